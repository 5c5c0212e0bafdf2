// Browser mode: the renderer build and the lab contract over HTTP.
//   GET  /...                 the app (static files)
//   POST /api/request/<name>  one contract request, JSON in, LabReply out
//   POST /api/upload?name=F   raw file bytes, stored for importDataset({uploads})
//   GET  /api/events          the event stream (server-sent events)
//   GET  /api/export-zip?run=ID&path=P  a recorded export folder of run ID, streamed as a .zip
//   GET  /api/export-zip?experiment=ID&path=P  an experiment's CSV + PNG export folder, likewise
//   GET  /api/report-zip?name=N   a paper-check report folder (<dataDir>/exports/N), streamed as a .zip
// Every request passes http-security.ts first.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { checkLengthSync, fsyncDirSync } from '../storage/exact-write.ts';
import { markLive, releaseLive } from '../storage/live-marker.ts';
import { pipeline } from 'node:stream/promises';
import type { LabService } from '../app/lab-service.ts';
import { checkRequest, isLoopback, newToken, SECURITY_HEADERS, TOKEN_COOKIE } from './http-security.ts';
import { resolveStatic } from './static-files.ts';
import { writeZip, zipEntries } from './zip-stream.ts';

export interface LabServerOptions {
  service: LabService;
  /** The renderer build (index.html and assets). */
  staticDir: string;
  uploadsDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  maxUploadBytes?: number;
}

export interface RunningServer {
  url: string;
  /** URL with the token, for the first page load. */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_JSON_BYTES = 1 << 20;

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new Error(`request body over ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('request body is not JSON');
  }
}

/** True when the raw request path has a ".." segment, plain or percent-encoded. */
function hasDotSegment(rawUrl: string): boolean {
  const pathPart = rawUrl.split('?')[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    return true;
  }
  return decoded.split(/[/\\]/).includes('..');
}

export async function startLabServer(opts: LabServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const maxUpload = opts.maxUploadBytes ?? 4 * 2 ** 30;
  const sse = new Set<http.ServerResponse>();
  let allowedHosts: string[] = [];

  const unsubscribe = opts.service.subscribe((event) => {
    const line = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of sse) res.write(line);
  });

  const server = http.createServer((req, res) => {
    void route(req, res).catch((e: Error) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: e.message });
      else res.destroy();
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Refuse dot segments before URL parsing, which would silently resolve them.
    if (hasDotSegment(req.url ?? '/')) return send(res, 403, { ok: false, error: 'path leaves the app folder' });
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict = checkRequest(req, url, token, allowedHosts);
    if (!verdict.ok) return send(res, verdict.status, { ok: false, error: verdict.reason });

    if (url.pathname.startsWith('/api/request/') && req.method === 'POST') {
      const name = url.pathname.slice('/api/request/'.length);
      let args: unknown;
      try {
        args = await readJson(req);
      } catch (e) {
        return send(res, 400, { ok: false, error: (e as Error).message });
      }
      const reply = await opts.service.handle(name, args);
      return send(res, reply.ok ? 200 : 400, reply);
    }
    if (url.pathname === '/api/upload' && req.method === 'POST') return upload(req, res, url);
    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      sse.add(res);
      req.on('close', () => sse.delete(res));
      return;
    }
    if (url.pathname === '/api/export-zip' && req.method === 'GET') return exportZip(res, url);
    if (url.pathname === '/api/report-zip' && req.method === 'GET') return reportZip(res, url);
    if (url.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: `no endpoint ${req.method} ${url.pathname}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { ok: false, error: 'method not allowed' });

    // First page load with ?token=: keep it in a cookie and drop it from the address bar.
    if (url.searchParams.has('token')) {
      url.searchParams.delete('token');
      res.writeHead(302, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
      });
      return void res.end();
    }
    const found = resolveStatic(opts.staticDir, url.pathname);
    if (!found.ok) return send(res, found.status, { ok: false, error: found.reason });
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': found.type,
      'Cache-Control': found.type.startsWith('text/html') ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(fs.createReadStream(found.file), res);
  }

  /**
   * Streams an export folder as a .zip. Only a folder the history records as
   * an export of that run is served (the run's detail lists them), so the
   * route cannot be pointed at any other path on the server.
   */
  async function exportZip(res: http.ServerResponse, url: URL): Promise<void> {
    const folder = url.searchParams.get('path') ?? '';
    if (url.searchParams.has('experiment')) {
      // Experiment exports are not recorded in the history: only the folders exportExperiment makes by default qualify.
      const id = Number(url.searchParams.get('experiment'));
      const detail = await opts.service.handle('getExperiment', { id });
      if (!detail.ok) return send(res, 404, detail);
      const exportsDir = path.resolve(opts.service.dataDir, 'exports');
      const own =
        path.dirname(path.resolve(folder)) === exportsDir &&
        path.basename(folder).startsWith(`experiment-${id}-`) &&
        path.resolve(folder) === folder;
      if (!own) return send(res, 404, { ok: false, error: `path: experiment ${id} has no export at that path` });
    } else {
      const id = Number(url.searchParams.get('run'));
      const detail = await opts.service.handle('getRun', { id });
      if (!detail.ok) return send(res, 404, detail);
      const recorded = (detail.result as { exports: { path: string }[] }).exports.some((e) => e.path === folder);
      if (!recorded) return send(res, 404, { ok: false, error: `path: run ${id} has no export at that path` });
    }
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory())
      return send(res, 410, { ok: false, error: `path: the export folder ${folder} is gone` });
    await streamZip(res, folder, path.basename(folder));
  }

  /** Streams `folder` as <name>.zip; refusals (too big) are answered before the response starts. */
  async function streamZip(res: http.ServerResponse, folder: string, baseName: string): Promise<void> {
    let entries: ReturnType<typeof zipEntries>;
    try {
      entries = zipEntries(folder);
    } catch (e) {
      return send(res, 413, { ok: false, error: (e as Error).message });
    }
    const name = baseName.replace(/[^A-Za-z0-9._-]/g, '_'); // ASCII only: a header value cannot hold other characters
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${name}.zip"`,
      'Cache-Control': 'no-store',
    });
    try {
      await writeZip(res, entries);
      res.end();
    } catch {
      res.destroy(); // headers are out: a cut stream is the only way left to say it failed
    }
  }

  /** Streams a paper-check report folder as a .zip; found by its name alone, under the data folder's exports. */
  async function reportZip(res: http.ServerResponse, url: URL): Promise<void> {
    const name = url.searchParams.get('name') ?? '';
    const folder = opts.service.paperReportFolder(name);
    if (!folder) return send(res, 404, { ok: false, error: `name: no paper-check report "${name}"` });
    await streamZip(res, folder, name);
  }

  async function upload(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const raw = url.searchParams.get('name') ?? '';
    const name = path
      .basename(raw)
      .replace(/[^\p{L}\p{N}._ -]/gu, '_')
      .slice(0, 120);
    if (!name || name.startsWith('.')) return send(res, 400, { ok: false, error: 'name: give the file name (?name=corpus.txt)' });
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxUpload) return send(res, 413, { ok: false, error: `upload over ${maxUpload} bytes` });
    const uploadId = randomBytes(12).toString('hex');
    const dir = path.join(opts.uploadsDir, uploadId);
    fs.mkdirSync(dir, { recursive: true });
    // While bytes arrive, the folder names this process: reclaiming orphans leaves a slow upload alone.
    markLive(dir);
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxUpload) req.destroy(new Error(`upload over ${maxUpload} bytes`));
    });
    try {
      const file = path.join(dir, name);
      await pipeline(req, fs.createWriteStream(file, { flags: 'wx' }));
      // Exact: every received byte on disk and fsynced, with the folders that name it.
      const fd = fs.openSync(file, 'r+');
      try {
        fs.fsyncSync(fd);
        checkLengthSync(fd, size, file);
      } finally {
        fs.closeSync(fd);
      }
      releaseLive(dir);
      fsyncDirSync(dir);
      fsyncDirSync(opts.uploadsDir);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      return send(res, 400, { ok: false, error: `upload failed: ${(e as Error).message}` });
    }
    send(res, 200, { ok: true, result: { uploadId, name, bytes: size } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  // Bound to loopback: accept only Host headers that name loopback (against DNS rebinding).
  allowedHosts = isLoopback(host) ? [`${shownHost}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`] : [];
  const keepAlive = setInterval(() => {
    for (const res of sse) res.write(': keep-alive\n\n');
  }, 15_000);
  const base = `http://${shownHost}:${port}`;
  return {
    url: base,
    openUrl: `${base}/?token=${token}`,
    token,
    port,
    close: async () => {
      clearInterval(keepAlive);
      unsubscribe();
      for (const res of sse) res.end();
      sse.clear();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
    },
  };
}
