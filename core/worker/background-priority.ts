// Lowers this process's CPU priority, so a trainer started from a screen (the
// app, browser mode) yields the cores to that screen whenever both want them
// and loses nothing when the machine is otherwise idle. Measured on 2 cores
// (docs/benchmarks.md, "The trainer yields to the screen"): with the trainer at
// its default priority the page's event-loop p99 while training was 38-46 ms;
// yielding brought it to 28-31 ms.
//
// Two Linux details make os.setPriority(0, n) alone not enough:
// - it sets one thread's nice value (Linux threads are tasks), and V8 has
//   started its helper threads before any of our code runs, so every task in
//   /proc/self/task is set (threads started later inherit the value);
// - a trainer forked detached leads its own session, which autogroup
//   scheduling (on by default on desktop kernels) makes a group of its own:
//   groups share the CPU equally whatever their threads' nice values, so the
//   group's own nice (/proc/self/autogroup) is set too, when this process
//   leads that session (a group shared with the host is left alone).
import fs from 'node:fs';
import os from 'node:os';

/**
 * The priority of a trainer started from a screen on the same cores: nice 10
 * weighs 110 against a screen thread's 1024, so the page gets its frames and
 * the trainer still has every cycle they leave.
 */
export const SCREEN_TRAINER_NICE = 10;

/** The environment variable through which a launcher asks its trainer to run at a lower priority (a nice value, 1-19). */
export const TRAINER_NICE_ENV = 'SEQLAB_TRAINER_NICE';

/** What was looked at: threads at `nice` or lower priority now, and whether an autogroup was (Linux with autogroup only). */
export interface PriorityLowered {
  threads: number;
  autogroup: boolean;
}

/** Lowers every thread of this process, and its autogroup, to `nice` (clamped to 0-19; never raised). Never throws: a priority is a courtesy. */
export function lowerOwnPriority(nice: number): PriorityLowered {
  const n = Math.max(0, Math.min(19, Math.round(nice)));
  let threads = 0;
  let tids: number[] = [];
  try {
    tids = fs.readdirSync('/proc/self/task').map(Number);
  } catch {
    // Not Linux: the whole process at once (macOS) or its one priority class (Windows).
  }
  for (const tid of tids.length ? tids : [0]) {
    try {
      // Only ever lower: a host already below n (a niced CLI) keeps its own value.
      if (os.getPriority(tid) < n) os.setPriority(tid, n);
      threads++;
    } catch {
      // A thread that ended meanwhile.
    }
  }
  let autogroup = false;
  try {
    // The autogroup belongs to the whole session: lower it only when this process started that session (a
    // detached child). Electron's utility process shares the app's, and lowering it would slow the app's windows.
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    if (session !== process.pid) return { threads, autogroup };
    const current = /nice (-?\d+)/.exec(fs.readFileSync('/proc/self/autogroup', 'utf8'));
    if (current && Number(current[1]) < n) fs.writeFileSync('/proc/self/autogroup', String(n));
    autogroup = current !== null;
  } catch {
    // No autogroup in this kernel, or not Linux.
  }
  return { threads, autogroup };
}

/** Applies TRAINER_NICE_ENV when a launcher set it; the worker's boot calls this before anything else loads. */
export function applyRequestedPriority(env: NodeJS.ProcessEnv = process.env): PriorityLowered | null {
  const raw = env[TRAINER_NICE_ENV];
  if (raw === undefined || raw === '') return null;
  const nice = Number(raw);
  return Number.isFinite(nice) && nice > 0 ? lowerOwnPriority(nice) : null;
}
