// Serves the renderer build, refusing any path that resolves outside it
// (encoded "..", backslashes, NUL bytes, symlinks out of the folder).
import fs from 'node:fs';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

export type StaticResult = { ok: true; file: string; type: string } | { ok: false; status: number; reason: string };

/**
 * Maps a URL path to a file inside `root`. Paths without an extension fall
 * back to index.html (the app routes them itself).
 */
export function resolveStatic(root: string, urlPath: string): StaticResult {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, reason: 'bad URL encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400, reason: 'bad path' };
  if (decoded.split('/').includes('..')) return { ok: false, status: 403, reason: 'path leaves the app folder' };
  const rootReal = fs.realpathSync(root);
  let file = path.resolve(rootReal, `.${decoded}`);
  if (decoded.endsWith('/') || !path.extname(decoded)) {
    const candidate = decoded.endsWith('/') ? path.join(file, 'index.html') : file;
    file = fs.existsSync(candidate) && fs.statSync(candidate).isFile() ? candidate : path.join(rootReal, 'index.html');
  }
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return { ok: false, status: 404, reason: 'not found' };
  const real = fs.realpathSync(file);
  if (real !== rootReal && !real.startsWith(rootReal + path.sep)) return { ok: false, status: 403, reason: 'path leaves the app folder' };
  return { ok: true, file: real, type: TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream' };
}
