// Training worker entry (child process, utility process or worker thread): loads the TypeScript worker through tsx, which a
// worker thread does not inherit from the thread that created it. A trainer started from a screen lowers its priority
// first, so the threads TF.js and the native kernels start afterwards inherit it (background-priority.ts).
import { isMainThread } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
// A worker thread shares its process with the screen's host (Electron without utilityProcess): nothing to lower there.
if (isMainThread) (await import('./background-priority.ts')).applyRequestedPriority();
await import('./train-worker.ts');
