// A worker's side of the link to its host. A worker thread talks through
// `parentPort`, a child process through its IPC channel, and an Electron
// utility process through Electron's `process.parentPort`; the messages are
// the same (training-protocol.ts, or a task's), so the worker does not care which.
import { parentPort } from 'node:worker_threads';
import type { ToWorker, TrainingEvent } from './training-protocol.ts';

/**
 * Electron's port in a utility process (`utilityProcess.fork`): messages
 * arrive wrapped as `{ data }`. Read from `process`, never imported: the core
 * does not import Electron.
 */
interface UtilityParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface ParentLink<In = ToWorker, Out = TrainingEvent> {
  post(e: Out): void;
  onMessage(handle: (msg: In) => void): void;
  /** Delivers everything posted, then ends this worker (thread or process). */
  close(): Promise<void>;
  /**
   * Ends this process at once, writing nothing, when its host has died. Called
   * before every write to the history: the 'disconnect' event only arrives when
   * the event loop turns, which a training step does not do, so without this
   * the step in flight would still store its row after a resume may have
   * claimed the run. Synchronous (getppid changes when the host dies).
   */
  exitIfHostGone(): void;
}

export function connectToParent<In = ToWorker, Out = TrainingEvent>(): ParentLink<In, Out> {
  if (parentPort) return threadLink(parentPort);
  const utilityPort = (process as { parentPort?: UtilityParentPort }).parentPort;
  if (utilityPort) return utilityLink(utilityPort);
  if (process.send) return processLink();
  throw new Error('a worker must run in a worker thread, a forked child process or an Electron utility process');
}

function threadLink<In, Out>(port: NonNullable<typeof parentPort>): ParentLink<In, Out> {
  return {
    post: (e) => port.postMessage(e),
    onMessage: (handle) => port.on('message', handle),
    close: async () => port.close(),
    // A thread dies with its host.
    exitIfHostGone: () => {},
  };
}

function processLink<In, Out>(): ParentLink<In, Out> {
  const send = process.send!.bind(process);
  const hostPid = process.ppid;
  let closing = false;
  let delivered: Promise<void> = Promise.resolve();
  // A host that died (SIGKILL, its own crash) closes the channel. Die with it
  // and write nothing more, as a worker thread would have: the run stays
  // 'running' under the dead host's pid and the next open marks it crashed,
  // so a resume cannot race this process for the run's rows.
  process.on('disconnect', () => {
    if (!closing) process.exit(1);
  });
  return {
    post: (e) => {
      delivered = new Promise((resolve) => send(e, undefined, {}, () => resolve()));
    },
    onMessage: (handle) => process.on('message', (msg) => handle(msg as In)),
    close: async () => {
      closing = true;
      // IPC sends are delivered in order: once the last one is out, all are.
      await delivered;
      // Exit outright: a backend (wasm threads, WebGPU) may hold the loop open.
      process.exit(0);
    },
    exitIfHostGone: () => {
      // An orphan is re-parented (to init or a subreaper) the moment its host exits.
      if (process.ppid !== hostPid) process.exit(1);
    },
  };
}

/**
 * Electron's utility process: its host is Electron's main process, which
 * ends its utility processes when it exits; the parent pid is watched as in
 * a forked child, since a step does not turn the event loop either.
 */
function utilityLink<In, Out>(port: UtilityParentPort): ParentLink<In, Out> {
  const hostPid = process.ppid;
  return {
    post: (e) => port.postMessage(e),
    onMessage: (handle) => port.on('message', (e) => handle(e.data as In)),
    close: async () => {
      // postMessage queues on the port; one turn of the loop hands the queue over before the exit.
      await new Promise<void>((resolve) => setImmediate(resolve));
      process.exit(0);
    },
    exitIfHostGone: () => {
      if (process.ppid !== hostPid) process.exit(1);
    },
  };
}
