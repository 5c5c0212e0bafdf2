// Training in an Electron utility process: Electron's main process cannot
// fork a Node child (process.execPath is the Electron binary, RunAsNode is
// fused off), and a worker thread dies with it. `utilityProcess.fork` starts a
// separate Node process, so a V8 fatal error or an out-of-memory kill in a
// trainer ends that process alone and the app records the run 'crashed'.
// This maps utilityProcess's API (postMessage, 'message', 'exit', 'error')
// onto the core's TrainerLauncher seam; the worker side is the utility link
// in core/worker/parent-link.ts. Same messages as the child process.
import { fileURLToPath } from 'node:url';
import type { ForkOptions } from 'electron';
import { SCREEN_TRAINER_NICE, TRAINER_NICE_ENV } from '../core/worker/background-priority.ts';
import { describeTrainerExit } from '../core/worker/crash-cause.ts';
import { TRAIN_WORKER_BOOT, type TrainerLauncher } from '../core/worker/trainer-link.ts';
import type { TrainingEvent } from '../core/worker/training-protocol.ts';

/** Enough stderr to hold a fatal error's line and the trace after it. */
const STDERR_TAIL_CHARS = 16_384;

/** The slice of a utility process the launcher uses (Electron's UtilityProcess). */
export interface UtilityChild {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  /** `code` is the waitpid status's code on POSIX (a signal shows as 128 + its number, or as Electron reports it). */
  on(event: 'exit', listener: (code: number) => void): unknown;
  /** V8's non-continuable error (experimental in Electron): where it happened. */
  on(event: 'error', listener: (type: string, location: string) => void): unknown;
  readonly stderr: NodeJS.ReadableStream | null;
}

/** The slice of Electron's `utilityProcess` module the launcher uses. */
export interface UtilityProcessApi {
  fork(modulePath: string, args?: string[], options?: ForkOptions): UtilityChild;
}

/** A TrainerLauncher that starts each trainer with `utilityProcess.fork`. */
export function utilityTrainerLauncher(utilityProcess: UtilityProcessApi): TrainerLauncher {
  return (onEvent, onEnd) => {
    const child = utilityProcess.fork(fileURLToPath(TRAIN_WORKER_BOOT), [], {
      // stderr is read for a crash's cause (and still shown); the user's terminal stays the app's.
      stdio: ['ignore', 'inherit', 'pipe'],
      serviceName: 'Sequence Lab training',
      // The app's own windows share these cores: training yields to them (background-priority.ts).
      env: { ...process.env, [TRAINER_NICE_ENV]: String(SCREEN_TRAINER_NICE) },
    });
    let stderr = '';
    let fatal: string | null = null;
    let exitCode: number | null = null;
    let stderrOpen = child.stderr !== null;
    let alive = true;
    let ended = false;
    // The end is reported once the process exited and its stderr was read to the end (the cause may be its last line).
    const endIfDone = () => {
      if (ended || exitCode === null || stderrOpen) return;
      ended = true;
      const described = describeTrainerExit(exitCode, null, stderr);
      onEnd(described && fatal && !described.includes(':') ? `${described}: ${fatal}` : described);
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
    });
    child.stderr?.on('close', () => {
      stderrOpen = false;
      endIfDone();
    });
    child.on('message', (e) => onEvent(e as TrainingEvent));
    child.on('error', (type, location) => (fatal = `V8 ${type} at ${location}`));
    child.on('exit', (code) => {
      alive = false;
      exitCode = code;
      endIfDone();
    });
    return {
      send: (msg) => {
        if (alive) child.postMessage(msg);
      },
    };
  };
}
