// A folder being written says who writes it: a small marker file naming the
// writer's pid and the time that process started. Reclaiming orphans skips a
// folder whose writer is alive, however old its files are (a slow import can
// go longer than the grace period without touching them). The start time
// tells a live writer from an unrelated process that got its pid later.
import fs from 'node:fs';
import path from 'node:path';

/** File name of the marker inside a folder being written. */
export const LIVE_MARKER = '.seqlab-writer';

/** What the marker holds. */
interface Writer {
  pid: number;
  /** The process's start time (from /proc/<pid>/stat, clock ticks since boot), or null where there is no /proc. */
  start: string | null;
}

/**
 * When process `pid` started, as /proc/<pid>/stat's 22nd field; null where
 * /proc is absent (macOS, Windows) or the process is gone.
 */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'. Field 3 is the state, 22 the start time.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[22 - 3] ?? null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Marks `dir` as being written by this process; call releaseLive when the writing is done. */
export function markLive(dir: string): void {
  const writer: Writer = { pid: process.pid, start: processStartTime(process.pid) };
  fs.writeFileSync(path.join(dir, LIVE_MARKER), JSON.stringify(writer));
}

/** Removes the marker (the writing is done, or failed and the folder goes too). */
export function releaseLive(dir: string): void {
  fs.rmSync(path.join(dir, LIVE_MARKER), { force: true });
}

/**
 * Whether `dir` carries a marker whose writer is still running: its pid is
 * alive and, where /proc tells, started at the recorded time (a reused pid
 * started later). A missing or unreadable marker means no live writer.
 */
export function heldByLiveProcess(dir: string): boolean {
  let writer: Writer;
  try {
    writer = JSON.parse(fs.readFileSync(path.join(dir, LIVE_MARKER), 'utf8')) as Writer;
  } catch {
    return false;
  }
  if (!Number.isInteger(writer.pid) || writer.pid <= 0 || !isAlive(writer.pid)) return false;
  const start = processStartTime(writer.pid);
  return writer.start === null || start === null || start === writer.start;
}
