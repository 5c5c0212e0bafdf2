// Isolation of the server's one-shot tasks (sampling, export, experiment
// analysis, audio): each runs in a child process, so a task that dies of a
// V8 fatal error (or an out-of-memory kill) takes nothing else with it. A real
// server trains a healthy run while a sample and an export die beside it:
// each request is answered with the cause, the server keeps answering, and
// the healthy run trains on and stops cleanly; afterwards the same tasks work.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import type { LabEvent } from '../../core/contract/lab-contract.ts';
import { startLabServer, type RunningServer } from '../../core/server/lab-server.ts';
import { resolveDataset } from '../../core/services/datasets.ts';
import { History } from '../../core/storage/history.ts';

let dir: string;
let history: History;
let service: LabService;
let server: RunningServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-task-isolation-'));
  history = History.open(path.join(dir, 'data'));
  service = new LabService({ dataDir: path.join(dir, 'data'), history, mode: 'browser', uploadsDir: path.join(dir, 'uploads') });
  server = await startLabServer({ service, staticDir: dir, uploadsDir: path.join(dir, 'uploads'), port: 0 });
});

afterAll(async () => {
  delete process.env['SEQLAB_TEST_CRASH_TASK'];
  await server?.close();
  await service?.close();
  history?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function call(name: string, args: unknown): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/api/request/${name}`,
        headers: { Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(args));
  });
}

function nextEvent(matches: (e: LabEvent) => boolean): Promise<LabEvent> {
  return new Promise((resolve) => {
    const off = service.subscribe((e) => {
      if (!matches(e)) return;
      off();
      resolve(e);
    });
  });
}

/**
 * More steps than the test waits for: the healthy run must outlast two task
 * processes starting and dying however loaded the machine is (process start-up
 * slows far more under load than a loaded trainer's steps), so it is stopped
 * at the end, as a user would, and must end cleanly.
 */
const STEPS = 1_000_000;
const TRAIN = {
  batchSize: 2,
  seqLen: 8,
  backend: 'cpu',
  validEvery: 100_000,
  validTokens: 64,
  sampleEvery: 0,
  checkpointEvery: 10,
} as const;

describe('a task that dies', () => {
  // Long on a loaded 2-core machine: four task processes start beside a training run.
  it('is answered with its cause while the server keeps answering and a healthy run trains on', { timeout: 400_000 }, async () => {
    const dataset = await resolveDataset(history, path.join(dir, 'data'), 'brackets');
    // A finished run to sample and export from.
    const firstEnd = nextEvent((e) => e.type === 'run.status' && e.runId === 1);
    const first = await call('startRun', {
      datasetId: dataset.id,
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8 },
      train: { ...TRAIN, steps: 10 },
    });
    expect(first.ok, first.error).toBe(true);
    expect(await firstEnd).toMatchObject({ status: 'completed' });

    // The healthy run: long enough to be training while the tasks die.
    const healthyProgress = nextEvent((e) => e.type === 'run.progress' && e.runId === 2);
    const healthyEnd = nextEvent((e) => e.type === 'run.status' && e.runId === 2);
    const healthy = await call('startRun', {
      datasetId: dataset.id,
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8 },
      train: { ...TRAIN, steps: STEPS },
    });
    expect(healthy.ok, healthy.error).toBe(true);
    await healthyProgress;

    process.env['SEQLAB_TEST_CRASH_TASK'] = 'sample:abort,export:kill';
    const [sampled, exported] = await Promise.all([call('sample', { id: 1, length: 20 }), call('exportRun', { id: 1, format: 'tfjs' })]);
    delete process.env['SEQLAB_TEST_CRASH_TASK'];
    expect(sampled).toEqual({
      ok: false,
      error: 'sample process killed by SIGABRT: FATAL ERROR: SEQLAB_TEST_CRASH_TASK deliberate abort of a sample task',
    });
    expect(exported).toEqual({ ok: false, error: 'export process killed by SIGKILL (out of memory, or killed from outside)' });
    // Nothing was recorded for the export that died.
    expect(history.listExports(1)).toEqual([]);

    // The server answers, and the healthy run is still training in it.
    const listed = await call('listRuns', {});
    expect((listed.result as { id: number; status: string }[]).map((r) => [r.id, r.status])).toEqual([
      [2, 'running'],
      [1, 'completed'],
    ]);
    // It trains on after both deaths; stopped, it checkpoints and ends cleanly, its curve without a gap.
    const stepNow = history.getRun(2)!.step;
    await nextEvent((e) => e.type === 'run.progress' && e.runId === 2 && e.metrics.step > stepNow);
    expect((await call('stopRun', { id: 2 })).ok).toBe(true);
    const end = (await healthyEnd) as Extract<LabEvent, { type: 'run.status' }>;
    expect(end).toMatchObject({ status: 'stopped', error: null });
    expect(end.step).toBeGreaterThan(stepNow);
    expect(history.loadLatestCheckpoint(2)?.step).toBe(end.step);
    expect(history.getMetrics(2).map((m) => m.step)).toEqual(Array.from({ length: end.step }, (_, i) => i + 1));

    // The same tasks work afterwards, each in a fresh process.
    const again = await call('sample', { id: 1, length: 20 });
    expect(again.ok, again.error).toBe(true);
    expect((again.result as { text: string }).text.length).toBeGreaterThan(0);
    const exportedAgain = await call('exportRun', { id: 1, format: 'tfjs' });
    expect(exportedAgain.ok, exportedAgain.error).toBe(true);
    expect(history.listExports(1)).toHaveLength(1);
    expect(history.integrityCheck()).toEqual(['ok']);
  });
});
