// The training worker's side of the link to its host. A worker thread talks
// through `parentPort`, a child process through its IPC channel; the messages
// are the same (training-protocol.ts), so train-worker.ts does not care which.
import { parentPort } from 'node:worker_threads';
import type { ToWorker, TrainingEvent } from './training-protocol.ts';

export interface ParentLink {
  post(e: TrainingEvent): void;
  onMessage(handle: (msg: ToWorker) => void): void;
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

export function connectToParent(): ParentLink {
  if (parentPort) return threadLink(parentPort);
  if (process.send) return processLink();
  throw new Error('train-worker must run in a worker thread or a forked child process');
}

function threadLink(port: NonNullable<typeof parentPort>): ParentLink {
  return {
    post: (e) => port.postMessage(e),
    onMessage: (handle) => port.on('message', handle),
    close: async () => port.close(),
    // A thread dies with its host.
    exitIfHostGone: () => {},
  };
}

function processLink(): ParentLink {
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
    onMessage: (handle) => process.on('message', (msg) => handle(msg as ToWorker)),
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
