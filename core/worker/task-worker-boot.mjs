// Entry for one-shot tasks (sampling, export, ...), in a child process or a worker thread; see train-worker-boot.mjs.
import { register } from 'tsx/esm/api';

register();
await import('./task-worker.ts');
