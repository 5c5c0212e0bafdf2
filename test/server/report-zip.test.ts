// Browser mode's paper-check report download: GET /api/report-zip?name=N
// streams <dataDir>/exports/N as a .zip that stock unzip extracts byte for
// byte; the token is required, and only a report folder's name is accepted
// (no path, no other export, no folder without report.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import { startLabServer, type RunningServer } from '../../core/server/lab-server.ts';
import { defaultReportDir, writePaperReport } from '../../core/services/paper-check/paper-check.ts';
import { History } from '../../core/storage/history.ts';

let dir: string;
let history: History;
let service: LabService;
let server: RunningServer;
let report: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-report-zip-'));
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>lab</title>');
  const dataDir = path.join(dir, 'data');
  history = History.open(dataDir);
  report = writePaperReport(history, defaultReportDir(dataDir, new Date('2026-12-03T18:00:00Z'))).outDir;
  service = new LabService({ dataDir, history, mode: 'browser', uploadsDir: path.join(dir, 'uploads') });
  server = await startLabServer({ service, staticDir, uploadsDir: path.join(dir, 'uploads'), port: 0 });
});

afterAll(async () => {
  await server.close();
  await service.close();
  history.close();
});

const url = (name: string) => `${server.url}/api/report-zip?name=${encodeURIComponent(name)}`;

it('streams the report folder as a zip that unzip extracts byte for byte', async () => {
  const name = path.basename(report);
  expect(name).toBe('paper-check-2026-12-03T18-00-00-000Z');
  const res = await fetch(url(name), { headers: { Authorization: `Bearer ${server.token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}.zip"`);
  const zip = path.join(dir, 'report.zip');
  fs.writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
  const into = path.join(dir, 'unzipped');
  execFileSync('unzip', ['-q', zip, '-d', into]);
  expect(fs.readdirSync(into).sort()).toEqual(['claims.json', 'report.md']); // an empty history: no figures yet
  for (const f of ['claims.json', 'report.md'])
    expect(fs.readFileSync(path.join(into, f)).equals(fs.readFileSync(path.join(report, f))), f).toBe(true);
});

it('needs the token, and serves a report folder by its name only', async () => {
  expect((await fetch(url(path.basename(report)))).status).toBe(401);
  const auth = { headers: { Authorization: `Bearer ${server.token}` } };
  // Another export folder, a name that climbs out, a path, a report that does not exist.
  fs.mkdirSync(path.join(dir, 'data', 'exports', 'paper-check-empty'));
  for (const name of ['run-1-safetensors', '../data', report, 'paper-check-..', 'paper-check-2026', 'paper-check-empty']) {
    const r = await fetch(url(name), auth);
    expect(r.status, name).toBe(404);
    expect(((await r.json()) as { error: string }).error, name).toMatch(/^name: no paper-check report/);
  }
});
