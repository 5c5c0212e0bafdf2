// Per-web-contents defences from Electron's security checklist: no navigation
// away from app://lab, no new windows, no <webview>, no permissions. Nothing
// here ever calls shell.openExternal: links to the web are simply not followed.
import type { Event, Session, WebContents } from 'electron';
import { isAppUrl } from './app-origin.ts';

/** The navigation events a page can start; each is cancelled unless it stays on app://lab. */
const NAVIGATION_EVENTS = ['will-navigate', 'will-frame-navigate', 'will-redirect'] as const;

/** The URL of a navigation event: `event.url` (Electron 25+), else the older positional argument. */
function navigationUrl(event: unknown, positional: unknown): string | undefined {
  const url = (event as { url?: unknown } | null)?.url;
  if (typeof url === 'string') return url;
  return typeof positional === 'string' ? positional : undefined;
}

/** Refuses every permission request and check (camera, notifications, geolocation, ...). */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'> & {
  session?: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;
};

/**
 * Hardens one web contents (call it from app's 'web-contents-created', so it
 * covers every window, including any a bug might create).
 */
export function hardenWebContents(contents: HardenableContents): void {
  const on = contents.on.bind(contents) as (name: string, listener: (event: Event, ...rest: unknown[]) => void) => unknown;
  for (const name of NAVIGATION_EVENTS) {
    on(name, (event, url) => {
      if (!isAppUrl(navigationUrl(event, url))) event.preventDefault();
    });
  }
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // Destroys any <webview> before it loads (webviewTag is off as well).
  on('will-attach-webview', (event) => event.preventDefault());
  if (contents.session) denyAllPermissions(contents.session);
}
