// The app:// handler serves the renderer build with the browser mode's
// security headers and never anything outside it, whatever the URL says.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../core/server/http-security.ts';
import { APP_INDEX_URL, isAppUrl } from '../../electron/app-origin.ts';
import { APP_SCHEME_PRIVILEGES, createAppRequestHandler, handleAppProtocol, registerAppScheme } from '../../electron/app-protocol.ts';

let dir: string;
let serve: (request: Request) => Promise<Response>;
const get = (url: string, method = 'GET') => serve(new Request(url, { method }));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-app-protocol-'));
  const root = path.join(dir, 'dist');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>lab</title>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'do not serve');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'assets', 'link.js'));
  serve = createAppRequestHandler(root);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('app:// handler', () => {
  it('serves index.html with the CSP and the other security headers', async () => {
    const res = await get(APP_INDEX_URL);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<title>lab</title>');
  });

  it('serves an asset with the same headers, and / as index.html', async () => {
    const res = await get('app://lab/assets/app.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(SECURITY_HEADERS['Content-Security-Policy']);
    expect(await res.text()).toBe('console.log(1)');
    expect(await (await get('app://lab/')).text()).toContain('<title>lab</title>');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get(APP_INDEX_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get(APP_INDEX_URL, 'POST')).status).toBe(405);
  });

  it.each([
    ['encoded slash', 'app://lab/..%2fsecret.txt', 403],
    ['encoded slashes twice', 'app://lab/assets/..%2f..%2fsecret.txt', 403],
    ['encoded backslash', 'app://lab/assets/..%5c..%5csecret.txt', 400],
    ['NUL byte', 'app://lab/index.html%00.js', 400],
    ['bad encoding', 'app://lab/%E0%A4%A', 400],
    ['symlink out of the folder', 'app://lab/assets/link.js', 403],
  ])('refuses traversal: %s', async (_label, url, status) => {
    const res = await get(url);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-security-policy')).toBe(SECURITY_HEADERS['Content-Security-Policy']);
    expect(await res.text()).not.toContain('do not serve');
  });

  it.each(['app://lab/../secret.txt', 'app://lab/%2e%2e/secret.txt', 'app://lab/assets/%2E%2E/%2E%2E/secret.txt'])(
    'never serves the file outside, even when the URL parser folds the dots: %s',
    async (url) => {
      const res = await get(url);
      expect(await res.text()).not.toContain('do not serve');
      // The folded path names a file that is not in the build: 404 (or index.html for extension-less paths).
      expect(res.status).toBe(404);
    },
  );

  it.each(['app://evil/index.html', 'app://lab.evil/index.html', 'app://lab:8080/index.html', 'app://LABX/index.html'])(
    'answers 404 for another host: %s',
    async (url) => {
      const res = await get(url);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('<title>lab</title>');
    },
  );

  it('answers 404 (not a crash) when the renderer is not built', async () => {
    const res = await createAppRequestHandler(path.join(dir, 'missing'))(new Request(APP_INDEX_URL));
    expect(res.status).toBe(404);
  });
});

describe('scheme registration', () => {
  it('registers app as standard and secure, and serves it through protocol.handle', () => {
    const registered: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (schemes) => registered.push(...schemes) });
    expect(registered).toEqual([APP_SCHEME_PRIVILEGES]);
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true, bypassCSP: false } });
    const handled: string[] = [];
    handleAppProtocol({ handle: (scheme) => void handled.push(scheme) }, dir);
    expect(handled).toEqual(['app']);
  });

  it.each([
    ['app://lab/index.html', true],
    ['app://lab/', true],
    ['app://lab', true],
    ['app://lab.evil/', false],
    ['app://lab:1/', false],
    ['app://x@lab/', false],
    ['app://evil/', false],
    ['https://lab/', false],
    ['file:///index.html', false],
    ['', false],
    ['not a url', false],
  ])('isAppUrl(%s) is %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });
});
