// Isolation: a training run that dies, of any cause, takes down nothing but
// itself. A real server (LabService + HTTP) trains a healthy run while two
// others die beside it, one of a V8-style fatal error (abort) and one of a
// SIGKILL (what the out-of-memory killer sends). The dead runs end 'crashed'
// with the cause named; the healthy one keeps training and still stops with a
// checkpoint; the server keeps answering.
import { spawnSync } from 'node:child_process';
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
import { causeLine, describeTrainerExit } from '../../core/worker/crash-cause.ts';
import { BIN, jsonLines, tempHome } from '../helpers/cli.ts';

let dir: string;
let history: History;
let service: LabService;
let server: RunningServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-isolation-'));
  history = History.open(path.join(dir, 'data'));
  service = new LabService({ dataDir: path.join(dir, 'data'), history, mode: 'browser', uploadsDir: path.join(dir, 'uploads') });
  server = await startLabServer({ service, staticDir: dir, uploadsDir: path.join(dir, 'uploads'), port: 0 });
});

afterAll(async () => {
  delete process.env['SEQLAB_TEST_CRASH'];
  await server?.close();
  await service?.close();
  history?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function call(name: string, args: unknown): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(args);
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
    req.end(body);
  });
}

/** Resolves with the first event `matches` accepts, from now on. */
function nextEvent(matches: (e: LabEvent) => boolean): Promise<LabEvent> {
  return new Promise((resolve) => {
    const off = service.subscribe((e) => {
      if (!matches(e)) return;
      off();
      resolve(e);
    });
  });
}

const isStatus = (runId: number) => (e: LabEvent) => e.type === 'run.status' && e.runId === runId;
const isProgress = (runId: number) => (e: LabEvent) => e.type === 'run.progress' && e.runId === runId;

const TINY = {
  model: { kind: 'lstm', hiddenSize: 8, embedSize: 8 },
  train: { batchSize: 2, seqLen: 8, backend: 'cpu', validEvery: 100_000, validTokens: 64, sampleEvery: 0, checkpointEvery: 5 },
} as const;

describe('a training run that dies', () => {
  it('takes down nothing but itself: crashed with the cause, the healthy run and the server go on', async () => {
    const dataset = await resolveDataset(history, path.join(dir, 'data'), 'brackets');
    const start = async (steps: number) => {
      const r = await call('startRun', { datasetId: dataset.id, model: TINY.model, train: { ...TINY.train, steps } });
      expect(r.ok, r.error).toBe(true);
      return (r.result as { id: number }).id;
    };

    // The healthy run has far more steps than this test waits for: it is stopped at the end.
    const healthyTraining = nextEvent(isProgress(1));
    const healthy = await start(1_000_000);
    expect(healthy).toBe(1);
    await healthyTraining;

    // Runs 2 and 3 die after their first step (see core/worker/test-crash.ts).
    process.env['SEQLAB_TEST_CRASH'] = '2:abort,3:kill';
    const abortedEnd = nextEvent(isStatus(2));
    const killedEnd = nextEvent(isStatus(3));
    expect(await start(50)).toBe(2);
    expect(await start(50)).toBe(3);
    const [aborted, killed] = await Promise.all([abortedEnd, killedEnd]);

    expect(aborted).toMatchObject({
      status: 'crashed',
      step: 1,
      error: expect.stringMatching(/^training process killed by SIGABRT: FATAL ERROR: SEQLAB_TEST_CRASH deliberate abort of run 2$/),
    });
    expect(killed).toMatchObject({
      status: 'crashed',
      step: 1,
      error: expect.stringMatching(/^training process killed by SIGKILL \(out of memory, or killed from outside\)$/),
    });
    // Recorded on the runs, where the app and `seqlab runs` read it; the step each died after is kept.
    for (const [id, signal] of [
      [2, 'SIGABRT'],
      [3, 'SIGKILL'],
    ] as const) {
      const run = history.getRun(id)!;
      expect(run).toMatchObject({ status: 'crashed', step: 1, error: expect.stringContaining(signal) });
    }

    // The healthy run trains on after both deaths, and the server answers.
    const later = (await nextEvent(isProgress(1))) as Extract<LabEvent, { type: 'run.progress' }>;
    expect(later.metrics.step).toBeGreaterThan(1);
    const listed = await call('listRuns', {});
    expect((listed.result as { id: number; status: string }[]).map((r) => [r.id, r.status])).toEqual([
      [3, 'crashed'],
      [2, 'crashed'],
      [1, 'running'],
    ]);

    // Stop still goes over IPC: the run checkpoints, ends 'stopped', and its curve has no gap.
    const healthyEnd = nextEvent(isStatus(1));
    expect((await call('stopRun', { id: healthy })).ok).toBe(true);
    const end = (await healthyEnd) as Extract<LabEvent, { type: 'run.status' }>;
    expect(end).toMatchObject({ status: 'stopped', error: null });
    expect(history.loadLatestCheckpoint(healthy)?.step).toBe(end.step);
    expect(history.getMetrics(healthy).map((m) => m.step)).toEqual(Array.from({ length: end.step }, (_, i) => i + 1));
    expect(history.integrityCheck()).toEqual(['ok']);
  });
});

describe('seqlab train whose trainer dies', () => {
  it('records the run crashed with the cause, at the step it reached, and exits 1', () => {
    const home = tempHome();
    const r = spawnSync(
      process.execPath,
      [BIN, '--json', 'train', '--hidden', '8', '--batch', '2', '--seq-len', '8', '--steps', '50', '--backend', 'cpu'],
      {
        env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1', SEQLAB_TEST_CRASH: '1:abort' },
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(1);
    const cause = 'training process killed by SIGABRT: FATAL ERROR: SEQLAB_TEST_CRASH deliberate abort of run 1';
    expect(jsonLines(r.stdout).at(-1)).toEqual({ id: 1, status: 'crashed', step: 1, validLoss: null, error: cause });
    const h = History.open(home);
    expect(h.getRun(1)).toMatchObject({ status: 'crashed', step: 1, error: cause });
    h.close();
    fs.rmSync(home, { recursive: true, force: true });
  });
});

describe('the cause of a crash', () => {
  it("is read from a real V8 fatal error's stderr, not from its stack trace", () => {
    // A 16 MiB heap filled up: V8 prints "FATAL ERROR: ..." and a native trace, then aborts.
    const r = spawnSync(process.execPath, ['--max-old-space-size=16', '-e', 'const a = []; for (;;) a.push(new Array(1e5).fill(1.5));'], {
      encoding: 'utf8',
    });
    expect(r.signal).toBe('SIGABRT');
    expect(causeLine(r.stderr)).toMatch(/^FATAL ERROR: .*JavaScript heap out of memory$/);
    expect(describeTrainerExit(r.status, r.signal, r.stderr)).toMatch(
      /^training process killed by SIGABRT: FATAL ERROR: .*heap out of memory$/,
    );
  });

  it('is the last line that says something, for an ordinary error exit; none for a clean one', () => {
    const r = spawnSync(process.execPath, ['-e', 'throw new Error("no space left on device")'], { encoding: 'utf8' });
    expect(describeTrainerExit(r.status, r.signal, r.stderr)).toBe('training process exited with code 1: Error: no space left on device');
    expect(describeTrainerExit(0, null, 'a warning\n')).toBeNull();
  });
});
