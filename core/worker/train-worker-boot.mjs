// Training worker entry (child process, utility process or worker thread): loads the TypeScript worker through tsx, which a
// worker thread does not inherit from the thread that created it.
import { register } from 'tsx/esm/api';

register();
await import('./train-worker.ts');
