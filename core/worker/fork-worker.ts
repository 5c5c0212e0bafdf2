// Starts one of our worker boot files as a child process and reports how it
// ended: a V8 fatal error or an out-of-memory kill there ends that process
// alone. Messages go over IPC with structured clone (typed arrays included).
// Shared by training (train-process.ts) and the one-shot tasks (task-host.ts).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeTrainerExit } from './crash-cause.ts';

/** Enough stderr to hold a fatal error's line and the trace after it. */
const STDERR_TAIL_CHARS = 16_384;

export interface ForkedWorker {
  /** Sends a message; one sent after the worker ended is dropped. */
  send(msg: unknown): void;
  /** Ends the worker at once (SIGKILL); its end is still reported. */
  kill(): void;
}

export interface ForkOptions {
  /** Names the process in a crash's cause ("training process", "sample process"). */
  what: string;
  /** Its own process group, away from a terminal's Ctrl-C (the host asks it to stop instead). */
  detached?: boolean;
  /** Variables added to the host's environment for this process only. */
  env?: Record<string, string>;
}

/** The host's V8 flags (heap size, ...) without debugger ones, whose port a second process cannot take. */
function inheritedFlags(): string[] {
  return process.execArgv.filter((f) => !/^--(inspect|debug)/.test(f));
}

/**
 * Forks `bootFile`. `onMessage` receives what it posts, in order; `onEnd` is
 * called once, after the last message, with why it ended abnormally (exit
 * code or signal and the cause it printed), or null for a clean exit.
 */
export function forkWorker(
  bootFile: URL,
  opts: ForkOptions,
  onMessage: (m: unknown) => void,
  onEnd: (abnormal: string | null) => void,
): ForkedWorker {
  const child = fork(fileURLToPath(bootFile), [], {
    // No stdin: a worker must never own the user's terminal.
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    // Not on Windows: there detached means a console window of its own (and
    // Ctrl-C reaches children by console, not process group).
    detached: (opts.detached ?? false) && process.platform !== 'win32',
    serialization: 'advanced',
    execArgv: inheritedFlags(),
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
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
  child.on('message', onMessage);
  // Fired when the process could not be started (or signalled); a started one always ends with 'close'.
  child.on('error', (err) => {
    if (child.pid === undefined) end(`could not start the ${opts.what}: ${err.message}`);
  });
  // 'close' comes after the exit and after every message and stderr byte were read.
  child.on('close', (code, signal) => end(describeTrainerExit(code, signal, stderr, opts.what)));
  return {
    send: (msg) => {
      // A worker that is already gone reports its end through 'close'.
      if (child.connected) child.send(msg as object, () => {});
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
