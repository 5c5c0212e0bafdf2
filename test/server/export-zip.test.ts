// Browser mode's export download: GET /api/export-zip streams a recorded
// export folder as a .zip that stock unzip extracts byte for byte (and whose
// SHA256SUMS then checks); the token is required as on every request, and
// only folders the history records as the run's exports are served.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import { startLabServer, type RunningServer } from '../../core/server/lab-server.ts';
import { exportRun } from '../../core/services/exports.ts';
import { History, type RunRecord } from '../../core/storage/history.ts';
import { storedAddingRun } from '../helpers/stored-run.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

let dir: string;
let history: History;
let service: LabService;
let server: RunningServer;
let run: RunRecord;
let exported: string;

beforeAll(async () => {
  await useCpuBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-zip-'));
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>lab</title>');
  history = History.open(path.join(dir, 'data'));
  run = await storedAddingRun(history);
  exported = (await exportRun(history, String(run.id), 'safetensors', path.join(dir, 'data', 'exports', 'run-1-safetensors'))).outDir;
  service = new LabService({ dataDir: path.join(dir, 'data'), history, mode: 'browser', uploadsDir: path.join(dir, 'uploads') });
  server = await startLabServer({ service, staticDir, uploadsDir: path.join(dir, 'uploads'), port: 0 });
});

afterAll(async () => {
  await server.close();
  await service.close();
  history.close();
});

const zipUrl = (folder: string) => `${server.url}/api/export-zip?run=${run.id}&path=${encodeURIComponent(folder)}`;

it('streams the folder as a zip that unzip extracts byte for byte', async () => {
  const res = await fetch(zipUrl(path.resolve(exported)), { headers: { Authorization: `Bearer ${server.token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/zip');
  expect(res.headers.get('content-disposition')).toBe('attachment; filename="run-1-safetensors.zip"');
  const zip = path.join(dir, 'download.zip');
  fs.writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
  const into = path.join(dir, 'unzipped');
  execFileSync('unzip', ['-q', zip, '-d', into]); // checks every entry's CRC
  const names = fs.readdirSync(exported).sort();
  expect(fs.readdirSync(into).sort()).toEqual(names);
  expect(names).toContain('load_torch.py');
  for (const n of names) expect(fs.readFileSync(path.join(into, n)).equals(fs.readFileSync(path.join(exported, n))), n).toBe(true);
  execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: into });
});

it('needs the token, and serves only the run’s recorded exports', async () => {
  expect((await fetch(zipUrl(path.resolve(exported)))).status).toBe(401);
  const auth = { headers: { Authorization: `Bearer ${server.token}` } };
  const other = await fetch(zipUrl(path.join(dir, 'data')), auth);
  expect(other.status).toBe(404);
  expect(await other.json()).toEqual({ ok: false, error: `path: run ${run.id} has no export at that path` });
  expect((await fetch(`${server.url}/api/export-zip?run=999&path=${encodeURIComponent(exported)}`, auth)).status).toBe(404);
});

it('streams an experiment’s CSV + PNG folder made in the data folder, and nothing else under its name', async () => {
  const x = history.insertExperiment({ kind: 'stability', config: {} });
  const folder = path.join(dir, 'data', 'exports', `experiment-${x.id}-2026-12-03T18-00-00-000Z`);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'losses.csv'), 'step,loss\n1,2.5\n');
  fs.writeFileSync(path.join(folder, 'plot.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const url = (id: number, p: string) => `${server.url}/api/export-zip?experiment=${id}&path=${encodeURIComponent(p)}`;
  const auth = { headers: { Authorization: `Bearer ${server.token}` } };
  expect((await fetch(url(x.id, folder))).status).toBe(401);
  const res = await fetch(url(x.id, folder), auth);
  expect(res.status).toBe(200);
  const zip = path.join(dir, 'experiment.zip');
  fs.writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
  const into = path.join(dir, 'experiment-unzipped');
  execFileSync('unzip', ['-q', zip, '-d', into]);
  expect(fs.readdirSync(into).sort()).toEqual(['losses.csv', 'plot.png']);
  expect(fs.readFileSync(path.join(into, 'plot.png')).equals(fs.readFileSync(path.join(folder, 'plot.png')))).toBe(true);
  // Another experiment's id, a folder outside exports/, a path that climbs out, an unknown experiment.
  const other = history.insertExperiment({ kind: 'stability', config: {} });
  for (const [id, p] of [
    [other.id, folder],
    [x.id, path.join(dir, 'data')],
    [x.id, `${path.join(dir, 'data', 'exports')}/../exports/experiment-${x.id}-x`],
  ] as const) {
    const r = await fetch(url(id, p), auth);
    expect(r.status, p).toBe(404);
  }
  expect((await fetch(url(999, folder), auth)).status).toBe(404);
});
