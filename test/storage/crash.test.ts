// Crash handling: runs of dead processes become 'crashed', and a writer killed
// with SIGKILL mid-write never leaves a damaged database or a gap in a curve.

import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { History, defaultIsAlive } from '../../core/storage/history.ts';
import { checkpointBytes } from './fixtures/checkpoint-bytes.ts';
import { FIXTURES, REPO_ROOT, cleanupTempDirs, deadPid, seedRun, tempDir } from './helpers.ts';

afterEach(cleanupTempDirs);

describe('crash marking', () => {
  it('marks running (and queued-with-pid) runs of dead processes as crashed on open', async () => {
    const dir = tempDir();
    const pid = await deadPid();
    const h = History.open(dir);
    const dead = seedRun(h);
    const mine = seedRun(h);
    const queuedDead = seedRun(h);
    const queuedPlain = seedRun(h);
    h.appendMetrics(dead, [
      {
        step: 0,
        wallMs: 1,
        trainLoss: 2,
        validLoss: null,
        bitsPerSymbol: 1,
        validAccuracy: null,
        stabilityBound: null,
        contraction: null,
        tokensPerSec: 1,
        gradNorm: 1,
        lr: 1,
      },
    ]);
    h.markRunning(dead, { pid, backend: 'cpu', device: 'x' });
    h.markRunning(mine, { pid: process.pid, backend: 'cpu', device: 'x' });
    h.close();
    const db = new Database(path.join(dir, 'history.sqlite'));
    db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(pid, queuedDead);
    db.close();

    const h2 = History.open(dir, { markCrashed: false });
    expect(h2.getRun(dead)!.status).toBe('running');
    h2.close();

    const h3 = History.open(dir);
    const run = h3.getRun(dead)!;
    expect(run).toMatchObject({ status: 'crashed', error: `process ended without finishing (pid ${pid})`, step: 0 });
    expect(run.finishedAt).toBe(run.updatedAt); // the last heartbeat
    expect(h3.getMetrics(dead)).toHaveLength(1); // metrics up to the last step are kept
    expect(h3.getRun(mine)!.status).toBe('running'); // this process: may be live here
    expect(h3.getRun(queuedDead)!.status).toBe('crashed');
    expect(h3.getRun(queuedPlain)!.status).toBe('queued');
    // Explicit call with a custom check: still never this process's runs.
    expect(h3.markCrashedRuns(() => false)).toEqual([]);
    h3.close();
  });

  it('defaultIsAlive: pid 1 is alive whether kill succeeds (root) or says EPERM; dead pids are not', async () => {
    expect(defaultIsAlive(1)).toBe(true);
    expect(defaultIsAlive(process.pid)).toBe(true);
    expect(defaultIsAlive(await deadPid())).toBe(false);
    expect(defaultIsAlive(0)).toBe(false); // would address the process group
    expect(defaultIsAlive(-1)).toBe(false);
    const dir = tempDir();
    const h = History.open(dir);
    const id = seedRun(h);
    h.markRunning(id, { pid: 1, backend: 'cpu', device: 'x' });
    expect(h.markCrashedRuns()).toEqual([]);
    expect(h.markCrashedRuns((pid) => pid !== 1)).toEqual([id]);
    h.close();
  });
});

/** Spawns the writer, waits for it to start writing, kills it after `delayMs`. */
async function runAndKill(dir: string, runId: number, delayMs: number): Promise<{ pid: number; startStep: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'writer.ts'), dir, String(runId)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const startStep = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${err}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited; // reaped: a zombie would still count as alive
  return { pid: child.pid!, startStep };
}

describe('crash durability', () => {
  it('survives SIGKILL during heavy writes, 5 times, resuming each time', async () => {
    const dir = tempDir();
    const h0 = History.open(dir);
    const runId = seedRun(h0);
    h0.close();
    let prevCheckpoint = -1;
    for (let round = 0; round < 5; round++) {
      const delay = 30 + Math.floor(Math.random() * 400);
      const { pid, startStep } = await runAndKill(dir, runId, delay);

      const h = History.open(dir);
      const ctx = `round ${round}, killed after ${delay} ms`;
      expect(h.integrityCheck(), ctx).toEqual(['ok']);
      const run = h.getRun(runId)!;
      expect(run.status, ctx).toBe('crashed');
      expect(run.error, ctx).toBe(`process ended without finishing (pid ${pid})`);
      const steps = h.getMetrics(runId).map((m) => m.step);
      expect(steps, ctx).toEqual(steps.map((_, i) => i)); // contiguous from 0
      expect(run.step, ctx).toBe(steps.length - 1);
      expect(steps.length, ctx).toBeGreaterThan(startStep); // it wrote something this round
      // The resume point: the newest checkpoint is intact and is the one saved for its step.
      const ck = h.loadLatestCheckpoint(runId, (s, r) => expect.fail(`${ctx}: corrupt checkpoint ${s}: ${r}`));
      if (ck) {
        expect(ck.step, ctx).toBeLessThanOrEqual(run.step);
        expect(Buffer.from(ck.bytes).equals(Buffer.from(checkpointBytes(ck.step))), ctx).toBe(true);
      }
      expect(h.listCheckpoints(runId).length, ctx).toBeLessThanOrEqual(2);
      // This round resumed right after the previous round's newest checkpoint.
      expect(startStep, ctx).toBe(prevCheckpoint + 1);
      prevCheckpoint = ck?.step ?? -1;
      h.close();
    }
  }, 120_000);
});
