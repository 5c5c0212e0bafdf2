// Reads how the kernel schedules a process (Linux /proc): the nice value of
// each of its threads and of its autogroup, and finds processes by command
// line and environment. Used to check that a trainer started from a screen
// yields to it.
import fs from 'node:fs';

/** Pids whose command line contains `command` and, when given, whose environment holds `envEntry` ("NAME=value"). */
export function findProcesses(command: string, envEntry?: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(command)) continue;
      if (envEntry && !fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(envEntry)) continue;
      found.push(Number(name));
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

/** The nice value of every thread of `pid` (field 19 of /proc/pid/task/tid/stat). */
export function threadNiceValues(pid: number): number[] {
  const values: number[] = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // After "pid (comm) ": state is field 3, so nice (field 19) is the 17th.
      values.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // A thread that ended while we looked.
    }
  }
  return values;
}

/** The nice value of the autogroup `pid` belongs to, or null without autogroup scheduling. */
export function autogroupNice(pid: number): number | null {
  try {
    const m = /nice (-?\d+)/.exec(fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
