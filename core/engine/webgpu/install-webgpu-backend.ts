// Makes TF.js's webgpu backend available in this process (thread): Node has no
// navigator.gpu, and tfjs-backend-webgpu registers itself at import only where
// `window` (or a worker scope) and `navigator.gpu` exist.
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { createDawnGpu, type WebgpuMode } from './dawn-gpu.ts';
import { lastLine, withStderrCaptured } from './probe-webgpu-stderr.ts';

// EGL reads EGL_PLATFORM from the C environment, which only the main thread's
// process.env reaches (a worker thread's process.env is its own copy): a
// training worker that opens the software adapter needs it set here, in the
// main thread, before the worker starts. This module loads with the backends.
if (isMainThread && (process.env['SEQLAB_WEBGPU'] ?? '').trim().toLowerCase() === 'software') process.env['EGL_PLATFORM'] ??= 'surfaceless';

let installed: WebgpuMode | undefined;

/** Idempotent per process; a second call with another mode is an error (Dawn is opened once). */
export async function installWebgpuBackend(mode: WebgpuMode): Promise<void> {
  if (installed === mode) return;
  if (installed) throw new Error(`webgpu: already opened with the ${installed} adapter in this process`);
  // Opening Dawn is where Mesa and the Vulkan loader complain: keep it off the terminal.
  const { value: gpu } = await withStderrCaptured(() => createDawnGpu(mode));
  const g = globalThis as Record<string, unknown>;
  g['navigator'] = { ...(g['navigator'] as object | undefined), gpu };
  g['window'] ??= globalThis;
  await import('@tensorflow/tfjs-backend-webgpu');
  installed = mode;
}

/**
 * Makes webgpu the active TF.js backend. The first time, TF.js requests the
 * adapter and device here, and Dawn prints its warnings: they are captured,
 * and a failure's reason ends with Dawn's last line.
 */
export async function setWebgpuBackendQuietly(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { value: ok, output } = await withStderrCaptured(() => tf.setBackend('webgpu'));
  if (ok) return { ok: true };
  const last = lastLine(output);
  return { ok: false, reason: `TF.js could not start its webgpu backend${last ? ` (Dawn: ${last})` : ''}` };
}
