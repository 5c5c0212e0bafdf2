// Starts a training worker as a child process: a V8 fatal error or an
// out-of-memory kill there ends that process alone, and the host sees how it
// ended. Same messages as the worker thread, over IPC with structured clone.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeTrainerExit } from './crash-cause.ts';
import type { TrainerLauncher } from './trainer-link.ts';
import type { TrainingEvent } from './training-protocol.ts';

/** Enough stderr to hold a fatal error's line and the trace after it. */
const STDERR_TAIL_CHARS = 16_384;

/** The host's V8 flags (heap size, ...) without debugger ones, whose port a second process cannot take. */
function inheritedFlags(): string[] {
  return process.execArgv.filter((f) => !/^--(inspect|debug)/.test(f));
}

export const launchTrainerProcess: TrainerLauncher = (onEvent, onEnd) => {
  const child = fork(fileURLToPath(new URL('./train-worker-boot.mjs', import.meta.url)), [], {
    // No stdin: the trainer must never own the user's terminal. Its own
    // process group (detached) keeps a terminal's Ctrl-C away from it: the
    // host asks it to stop over IPC, so it checkpoints first. Not on Windows:
    // there detached means a console window of its own (and Ctrl-C reaches
    // children by console, not process group).
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    detached: process.platform !== 'win32',
    serialization: 'advanced',
    execArgv: inheritedFlags(),
    env: process.env,
  });
  let ended = false;
  const end = (cause: string | null) => {
    if (ended) return;
    ended = true;
    onEnd(cause);
  };
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    // Still shown to the user (warnings, a fatal's trace); the tail names a crash's cause.
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  child.on('message', (e) => onEvent(e as TrainingEvent));
  // Fired when the process could not be started (or signalled); a started one always ends with 'close'.
  child.on('error', (err) => {
    if (child.pid === undefined) end(`could not start the training process: ${err.message}`);
  });
  // 'close' comes after the exit and after every message and stderr byte were read.
  child.on('close', (code, signal) => end(describeTrainerExit(code, signal, stderr)));
  return {
    send: (msg) => {
      // A trainer that is already gone reports its end through 'close'.
      if (child.connected) child.send(msg, () => {});
    },
  };
};
