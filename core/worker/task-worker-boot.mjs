// Worker-thread entry for one-shot tasks (sampling, export); see train-worker-boot.mjs.
import { register } from 'tsx/esm/api';

register();
await import('./task-worker.ts');
