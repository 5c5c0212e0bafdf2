// Child-process entry of the webgpu probe: loads the TypeScript probe through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./probe-webgpu-child.ts');
