// Kill-and-resume soak: real `seqlab` processes, an LSTM on wasm and a TCN on
// cpu, each SIGKILLed again and again at seeded random points and resumed each
// time from where the history says it stopped. After every kill the history
// must pass SQLite's integrity_check, the run must be marked crashed, and its
// metrics must be the unbroken steps 1..n; every resume must start from the
// newest checkpoint and continue at the next step; the last resume must end at
// exactly --steps with one metrics row per step.
//
// The kill point is read from the history (the trainer stores a step before it
// announces it), not from the CLI's stdout: on a loaded machine the CLI relays
// events seconds late, while a tiny model trains on at a step per millisecond.
// The processes to be killed run at a lower priority than this poller, so on a
// loaded machine the poll is what gets the CPU, not the tiny model racing on.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/ml/rng.ts';
import { History, HISTORY_FILE } from '../../core/storage/history.ts';
import { BIN, tempHome } from '../helpers/cli.ts';

const KILLS_PER_RUN = 10;
// Far more steps than any kill point (at most ~12 past the newest checkpoint, so ~130 after ten kills): a
// poll that a loaded machine delays by seconds must still find the run mid-way, not finished. The TCN's
// whole native step runs these 3,000 steps in ~3 s, and a poller starved that long once let it finish
// before the kill; 15,000 take ~7 s (the last resume runs them all, ~8 s more per soak).
const STEPS = 15000;
const CHECKPOINT_EVERY = 6;
/** Kill points lie up to this many steps past the checkpoint a process resumes from. */
const MAX_STEPS_BEFORE_KILL = 2 * CHECKPOINT_EVERY;
const POLL_MS = 5;
const TINY = [
  '--hidden',
  '8',
  '--embed',
  '8',
  '--batch',
  '2',
  '--seq-len',
  '8',
  '--valid-every',
  '1000',
  '--valid-tokens',
  '64',
  '--steps',
  String(STEPS),
  '--checkpoint-every',
  String(CHECKPOINT_EVERY),
];
/** Each soak has its own data folder, so its run is always run 1. */
const RUN_ID = 1;

interface Event {
  type?: string;
  runId?: number;
  step?: number;
  resumedFrom?: number | null;
}

/** Highest stored step of the run and whether it has been claimed by `pid`, read without taking any lock a writer needs. */
function trainerState(home: string, pid: number): { claimed: boolean; maxStep: number } {
  const db = new Database(path.join(home, HISTORY_FILE), { readonly: true, fileMustExist: true });
  try {
    const run = db.prepare('SELECT pid, status FROM runs WHERE id = ?').get(RUN_ID) as { pid: number | null; status: string } | undefined;
    const { maxStep } = db.prepare('SELECT coalesce(max(step), 0) AS maxStep FROM metrics WHERE run_id = ?').get(RUN_ID) as {
      maxStep: number;
    };
    return { claimed: run?.status === 'running' && run.pid === pid, maxStep };
  } finally {
    db.close();
  }
}

/**
 * Runs seqlab and SIGKILLs it once the run is claimed by it and its stored steps reach `killAtStep`
 * (0: as soon as it owns the run, before any step). Resolves with its stdout events.
 */
function runAndKill(home: string, args: string[], killAtStep: number): Promise<Event[]> {
  return new Promise((resolve, reject) => {
    // `nice` execs node in place, so child.pid is the trainer's pid.
    const child = spawn('nice', ['-n', '10', process.execPath, BIN, ...args], {
      env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const poll = setInterval(() => {
      let state;
      try {
        state = trainerState(home, child.pid!);
      } catch {
        return; // the history does not exist yet, or is being created
      }
      if (state.claimed && state.maxStep >= killAtStep && !killed) {
        killed = true;
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, POLL_MS);
    // 'close', not 'exit': the last output may still be in the pipes when the process has exited.
    child.on('close', () => {
      clearInterval(poll);
      const events = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Event);
      if (killed) resolve(events);
      else reject(new Error(`seqlab ${args.join(' ')} ended before the kill point (step ${killAtStep}):\n${out}\n${err}`));
    });
  });
}

/** Runs seqlab to its end without blocking this process (a spawnSync would stall the other soak's polling). */
function runToEnd(home: string, args: string[]): Promise<{ code: number; events: Event[]; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        events: out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Event),
        stderr,
      }),
    );
  });
}

const consecutiveSteps = (last: number, first = 1): number[] => Array.from({ length: last - first + 1 }, (_, i) => first + i);

/** The history after a kill: intact, the run crashed, metrics unbroken; returns the step the next resume must start from. */
function checkAfterKill(home: string): number {
  const h = History.open(home);
  try {
    expect(h.integrityCheck()).toEqual(['ok']);
    const run = h.getRun(RUN_ID)!;
    const steps = h.getMetrics(RUN_ID).map((m) => m.step);
    expect(run.status, `run at step ${run.step} with ${steps.length} metric rows`).toBe('crashed');
    expect(steps).toEqual(consecutiveSteps(steps.length));
    return h.listCheckpoints(RUN_ID)[0]?.step ?? 0;
  } finally {
    h.close();
  }
}

async function soak(home: string, model: string[], seed: number): Promise<number> {
  const rng = new Rng(seed);
  let kills = 0;
  let from = 0; // the newest checkpoint: where the next process must resume
  for (let k = 0; k < KILLS_PER_RUN; k++) {
    // A sixth of the kills land before the first step (during start-up or the truncation to the checkpoint).
    const after = rng.int(6) === 0 ? 0 : 1 + rng.int(MAX_STEPS_BEFORE_KILL);
    const args = k === 0 ? ['--json', 'train', ...model, ...TINY] : ['--json', 'resume', String(RUN_ID)];
    const events = await runAndKill(home, args, from + after);
    kills++;
    // Exact-step check of what the killed process announced: it resumed from the newest checkpoint and went on at the next step.
    const started = events.find((e) => e.type === 'started');
    if (started) expect(started.resumedFrom ?? 0).toBe(from);
    const progress = events.filter((e) => e.type === 'progress').map((e) => e.step!);
    if (progress.length > 0) expect(progress).toEqual(consecutiveSteps(from + progress.length, from + 1));
    from = checkAfterKill(home);
  }

  const r = await runToEnd(home, ['--json', 'resume', String(RUN_ID)]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.events.find((e) => e.type === 'started')?.resumedFrom ?? 0).toBe(from);
  const h = History.open(home);
  try {
    expect(h.integrityCheck()).toEqual(['ok']);
    expect(h.getRun(RUN_ID)).toMatchObject({ status: 'completed', step: STEPS, error: null });
    expect(h.getMetrics(RUN_ID).map((m) => m.step)).toEqual(consecutiveSteps(STEPS));
  } finally {
    h.close();
  }
  return kills;
}

describe('kill -9 and resume, again and again', () => {
  it(`survives ${KILLS_PER_RUN} kills of an LSTM (wasm) and ${KILLS_PER_RUN} of a TCN (cpu), ending at exactly ${STEPS} steps`, async () => {
    // Two data folders, one per model, soaked side by side: each chain is sequential, the pair uses both cores.
    const homes = [tempHome(), tempHome()];
    const [lstmKills, tcnKills] = await Promise.all([
      soak(homes[0]!, ['--model', 'lstm', '--backend', 'wasm'], 17),
      soak(homes[1]!, ['--model', 'tcn', '--levels', '2', '--backend', 'cpu'], 1717),
    ]);
    expect(lstmKills + tcnKills).toBeGreaterThanOrEqual(20);
    for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
  }, 600_000);
});
