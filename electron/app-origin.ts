// The one origin the desktop window may load and the IPC bridge may trust:
// app://lab, served from renderer/dist by app-protocol.ts. Zod-free and
// Electron-free, so the preload bundle and the tests can share it.

/** Custom scheme of the app's pages (registered privileged: standard + secure). */
export const APP_SCHEME = 'app';
/** The only host the scheme serves. */
export const APP_HOST = 'lab';
/** Serialised origin of the app's pages. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the window loads. */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * True when `url` is a page of our app (scheme `app:`, host `lab`, no port or
 * credentials). Parsed rather than prefix-matched so that "app://lab.evil/" or
 * "app://lab@evil/" never pass. Node's URL reports origin "null" for custom
 * schemes, so the parts are compared instead of `url.origin`.
 */
export function isAppUrl(url: string | null | undefined): boolean {
  if (typeof url !== 'string' || url === '') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}
