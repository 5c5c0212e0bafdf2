// The app:// protocol: serves renderer/dist at app://lab with the same strict
// headers (CSP and friends) as browser mode, so the page is never loaded from
// file:// and every path is checked by core/server/static-files.ts.
import fs from 'node:fs';
import type { CustomScheme, Protocol } from 'electron';
import { SECURITY_HEADERS } from '../core/server/http-security.ts';
import { resolveStatic } from '../core/server/static-files.ts';
import { APP_HOST, APP_SCHEME } from './app-origin.ts';

/** How the scheme is registered: a standard, secure origin that fetch() may use; CORS-enabled because Vite marks the module scripts crossorigin (same-origin, and no Access-Control-Allow-Origin header is ever sent); no service workers. */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, allowServiceWorkers: false, bypassCSP: false },
};

/**
 * Registers app:// as privileged. Must run before the app's 'ready' event
 * (Electron refuses it afterwards).
 */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
}

function refuse(status: number, reason: string): Response {
  return new Response(reason, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/**
 * The request handler for app://: files under `rootDir` for host `lab`,
 * 404 for any other host, 400/403 for paths that are malformed or leave the
 * folder, 405 for methods other than GET and HEAD.
 * @param rootDir the renderer build (renderer/dist)
 */
export function createAppRequestHandler(rootDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refuse(400, 'bad URL');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST || url.port !== '' || url.username !== '' || url.password !== '')
      return refuse(404, 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed');
    let found: ReturnType<typeof resolveStatic>;
    try {
      // url.pathname is still percent-encoded: resolveStatic decodes it once and checks the result.
      found = resolveStatic(rootDir, url.pathname);
    } catch {
      return refuse(404, 'the app is not built (renderer/dist is missing)');
    }
    if (!found.ok) return refuse(found.status, found.reason);
    const headers = {
      ...SECURITY_HEADERS,
      'Content-Type': found.type,
      'Cache-Control': found.type.startsWith('text/html') ? 'no-store' : 'max-age=3600',
    };
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    // readFile rather than net.fetch(file://): Electron's fs reads inside app.asar too.
    const body = await fs.promises.readFile(found.file);
    return new Response(body, { status: 200, headers });
  };
}

/** Serves app:// from `rootDir` (call after 'ready'). */
export function handleAppProtocol(protocol: Pick<Protocol, 'handle'>, rootDir: string): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler(rootDir));
}
