// Makes TF.js's webgpu backend available in this process (thread): Node has no
// navigator.gpu, and tfjs-backend-webgpu registers itself at import only where
// `window` (or a worker scope) and `navigator.gpu` exist.
import { createDawnGpu, type WebgpuMode } from './dawn-gpu.ts';

let installed: WebgpuMode | undefined;

/** Idempotent per process; a second call with another mode is an error (Dawn is opened once). */
export async function installWebgpuBackend(mode: WebgpuMode): Promise<void> {
  if (installed === mode) return;
  if (installed) throw new Error(`webgpu: already opened with the ${installed} adapter in this process`);
  const gpu = await createDawnGpu(mode);
  const g = globalThis as Record<string, unknown>;
  g['navigator'] = { ...(g['navigator'] as object | undefined), gpu };
  g['window'] ??= globalThis;
  await import('@tensorflow/tfjs-backend-webgpu');
  installed = mode;
}
