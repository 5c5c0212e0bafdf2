// Browser mode end to end at the HTTP level, with the real LabService and a
// real SQLite history: the token, origin, Host and path-traversal defences,
// the request envelope, uploads, and the event stream of a real training run.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import type { LabEvent } from '../../core/contract/lab-contract.ts';
import { startLabServer, type RunningServer } from '../../core/server/lab-server.ts';
import { History } from '../../core/storage/history.ts';

let dir: string;
let history: History;
let service: LabService;
let server: RunningServer;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-server-'));
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>lab</title>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'do not serve');
  history = History.open(path.join(dir, 'data'));
  service = new LabService({ dataDir: path.join(dir, 'data'), history, mode: 'browser', uploadsDir: path.join(dir, 'uploads') });
  server = await startLabServer({ service, staticDir, uploadsDir: path.join(dir, 'uploads'), port: 0 });
});

afterAll(async () => {
  await server.close();
  await service.close();
  history.close();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Raw HTTP (fetch would normalise "../" away before sending). */
function raw(method: string, urlPath: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path: urlPath, headers: { Host: `127.0.0.1:${server.port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const auth = () => ({ Authorization: `Bearer ${server.token}` });
async function call(name: string, args: unknown): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  const r = await raw('POST', `/api/request/${name}`, { ...auth(), 'Content-Type': 'application/json' }, JSON.stringify(args));
  return JSON.parse(r.body);
}

describe('access control', () => {
  it('binds to loopback and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.openUrl).toBe(`${server.url}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { Authorization: 'Bearer nope' }],
    ['a wrong token of the right length', { Authorization: `Bearer ${'0'.repeat(48)}` }],
    ['a wrong cookie', { Cookie: 'seqlab_token=abc' }],
  ])('refuses %s on the API, the event stream and the page', async (_what, headers) => {
    for (const [method, p] of [
      ['POST', '/api/request/systemInfo'],
      ['GET', '/api/events'],
      ['GET', '/'],
      ['GET', '/assets/app.js'],
      ['POST', '/api/upload?name=a.txt'],
    ] as const) {
      const r = await raw(method, p, headers);
      expect(r.status, `${method} ${p}`).toBe(401);
      expect(r.body).not.toContain('lab</title>');
    }
  });

  it('refuses other origins and foreign Host headers even with the token', async () => {
    expect((await raw('POST', '/api/request/listRuns', { ...auth(), Origin: 'http://evil.example' })).status).toBe(403);
    expect((await raw('POST', '/api/request/listRuns', { ...auth(), 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await raw('GET', '/', { ...auth(), Host: 'evil.example:80' })).status).toBe(403);
    expect((await raw('POST', '/api/request/listRuns', { ...auth(), Origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
  });

  it('trades ?token= for an HttpOnly cookie and drops it from the URL', async () => {
    const first = await raw('GET', `/?token=${server.token}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/seqlab_token=[0-9a-f]{48}; HttpOnly; SameSite=Strict; Path=\//);
    const page = await raw('GET', '/', { Cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.body).toContain('lab</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-eval');
  });

  it.each([
    '/../secret.txt',
    '/../../../../etc/passwd',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
  ])('refuses the path %s', async (p) => {
    const r = await raw('GET', p, auth());
    expect([400, 403, 404]).toContain(r.status);
    expect(r.body).not.toContain('do not serve');
    expect(r.body).not.toContain('root:');
  });
});

describe('requests over HTTP', () => {
  it('answers a request and refuses bad ones naming the field', async () => {
    const info = await call('systemInfo', {});
    expect(info).toMatchObject({ ok: true, result: { mode: 'browser', tfjs: '4.22.0' } });
    expect(await call('getRun', { id: 'x' })).toEqual({ ok: false, error: 'id: must be a whole number' });
    expect(await call('nope', {})).toEqual({ ok: false, error: 'request: unknown request "nope"' });
    expect(await call('getRun', { id: 99 })).toMatchObject({ ok: false, error: expect.stringMatching(/no run "99"/) });
    const notJson = await raw('POST', '/api/request/systemInfo', auth(), '{oops');
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toEqual({ ok: false, error: 'request body is not JSON' });
  });

  it('imports an uploaded file, trains, and streams the run events', async () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i % 10} of the tiny corpus.\n`).join('');
    const up = JSON.parse((await raw('POST', '/api/upload?name=tiny.txt', auth(), text)).body);
    expect(up).toMatchObject({ ok: true, result: { name: 'tiny.txt', bytes: text.length } });
    const imported = await call('importDataset', { uploads: [up.result.uploadId] });
    expect(imported).toMatchObject({ ok: true, result: { name: 'tiny', tokens: text.length } });
    const datasetId = (imported.result as { id: number }).id;

    const events: LabEvent[] = [];
    const stream = http.get({
      host: '127.0.0.1',
      port: server.port,
      path: '/api/events',
      headers: { ...auth(), Host: `127.0.0.1:${server.port}` },
    });
    const finished = new Promise<void>((resolve) => {
      stream.on('response', (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const chunk = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (chunk.startsWith('data: ')) {
              const e = JSON.parse(chunk.slice(6)) as LabEvent;
              events.push(e);
              if (e.type === 'run.status') resolve();
            }
          }
        });
      });
    });
    await new Promise((r) => setTimeout(r, 100));
    const started = await call('startRun', {
      datasetId,
      model: { kind: 'tcn', hiddenSize: 8, levels: 2 },
      train: { steps: 12, batchSize: 2, seqLen: 16, validEvery: 6, sampleEvery: 12, sampleLength: 10, backend: 'cpu' },
    });
    expect(started).toMatchObject({ ok: true, result: { kind: 'tcn', status: 'queued', receptiveField: 13 } });
    await finished;
    stream.destroy();
    // Progress is paced: a few steps per event, each step exactly once, in order.
    const steps = events.flatMap((e) => (e.type === 'run.progress' ? [...(e.earlier ?? []), e.metrics].map((m) => m.step) : []));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(events.find((e) => e.type === 'run.started')).toMatchObject({ backend: 'cpu' });
    expect(events.find((e) => e.type === 'run.sample')).toMatchObject({ sample: { step: 12 } });
    expect(events.at(-1)).toMatchObject({ type: 'run.status', status: 'completed', step: 12 });
    const metrics = await call('getMetrics', { id: (started.result as { id: number }).id, sinceStep: 6 });
    expect((metrics.result as { step: number }[]).map((m) => m.step)).toEqual([7, 8, 9, 10, 11, 12]);
    const runId = (started.result as { id: number }).id;
    const sampled = await call('sample', { id: runId, length: 12, temperature: 0.5, prime: 'line ' });
    expect(sampled).toMatchObject({ ok: true, result: { runId, step: 12, prime: 'line ', temperature: 0.5 } });
    expect([...(sampled.result as { text: string }).text]).toHaveLength(12);
    const exported = await call('exportRun', { id: runId, format: 'tfjs' });
    expect(exported.ok).toBe(true);
    expect([...(exported.result as { files: string[] }).files].sort()).toEqual([
      'SHA256SUMS',
      'metrics.csv',
      'model.json',
      'run.json',
      'samples.json',
      'seqlab.json',
      'weights.bin',
    ]);
    const onnx = await call('exportRun', { id: runId, format: 'onnx' });
    expect((onnx.result as { files: string[] }).files).toContain('model.onnx');
    expect(fs.existsSync(path.join((exported.result as { outDir: string }).outDir, 'model.json'))).toBe(true);
    const detail = await call('getRun', { id: runId });
    expect(detail).toMatchObject({
      ok: true,
      result: { status: 'completed', samples: [{ step: 12 }, { prime: 'line ' }], exports: [{ format: 'tfjs' }, { format: 'onnx' }] },
    });
    const invalid = await call('startRun', { datasetId, model: { kind: 'lstm', hiddenSize: 0 }, train: {} });
    expect(invalid).toEqual({ ok: false, error: 'model.hiddenSize: must be a whole number from 1 to 4096' });
  });
});
