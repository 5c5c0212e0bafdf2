// A test-only way to make one run's trainer die the way real ones do, so the
// isolation tests can put a fatal run beside a healthy one. Honoured only
// under vitest (VITEST is set in its workers and inherited by their children):
// a user's environment cannot trigger it by accident.
//
// SEQLAB_TEST_CRASH="<runId>:<how>[,<runId>:<how>...]", after the run's first step:
// - abort: print a V8-style fatal line, then abort (SIGABRT), as V8 does on
//   "FATAL ERROR: v8::Float32Array::New(...) length exceeds max allowed value";
// - kill: SIGKILL itself, as the kernel's out-of-memory killer would.
import fs from 'node:fs';

export function crashIfAskedForTest(runId: number): void {
  const asked = process.env['SEQLAB_TEST_CRASH'];
  if (!asked || !process.env['VITEST']) return;
  const how = asked
    .split(',')
    .map((entry) => entry.split(':'))
    .find(([id]) => Number(id) === runId)?.[1];
  if (how === 'abort') {
    // process.abort() then prints the native and JavaScript stack traces, as V8's own fatal path does.
    fs.writeSync(2, `\nFATAL ERROR: SEQLAB_TEST_CRASH deliberate abort of run ${runId}\n`);
    process.abort();
  }
  if (how === 'kill') process.kill(process.pid, 'SIGKILL');
}

/**
 * The same for a one-shot task (task-worker.ts), before it starts:
 * SEQLAB_TEST_CRASH_TASK="<kind>:<how>", e.g. "sample:abort".
 */
export function crashTaskIfAskedForTest(kind: string): void {
  const asked = process.env['SEQLAB_TEST_CRASH_TASK'];
  if (!asked || !process.env['VITEST']) return;
  const how = asked
    .split(',')
    .map((entry) => entry.split(':'))
    .find(([k]) => k === kind)?.[1];
  if (how === 'abort') {
    fs.writeSync(2, `\nFATAL ERROR: SEQLAB_TEST_CRASH_TASK deliberate abort of a ${kind} task\n`);
    process.abort();
  }
  if (how === 'kill') process.kill(process.pid, 'SIGKILL');
}
