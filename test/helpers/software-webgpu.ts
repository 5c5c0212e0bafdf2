// The software WebGPU adapter (Dawn's OpenGL backend over Mesa llvmpipe) for
// tests of the GPU path on machines without a GPU. CI installs the Mesa/EGL
// packages, so there these tests run; elsewhere they skip, printing why.
import * as tf from '@tensorflow/tfjs';
import { activateBackend, probeBackend } from '../../core/engine/backends.ts';

export type SoftwareWebgpu = { available: true } | { available: false; reason: string };

/**
 * Selects the software adapter for this process (SEQLAB_WEBGPU=software, which
 * child processes inherit) and probes it; the probe also installs TF.js's
 * webgpu backend, so `activateBackend('webgpu')` can follow.
 */
export async function probeSoftwareWebgpu(): Promise<SoftwareWebgpu> {
  process.env['SEQLAB_WEBGPU'] = 'software';
  tf.env().set('PROD', true);
  const probe = await probeBackend('webgpu');
  return probe.available ? { available: true } : { available: false, reason: probe.reason ?? 'unknown reason' };
}

/**
 * Runs `fn` with `backend` active (TF.js has one active backend at a time:
 * whatever `fn` creates lives there and must be disposed by it). On webgpu it
 * also fails if `fn` read any tensor synchronously (dataSync, arraySync,
 * bufferSync, or a move between backends): such a read crashes in Node once
 * the data sits on the GPU, but passes unnoticed while TF.js still holds a
 * small tensor's values on the CPU, as it does at test sizes.
 */
export async function onBackend<T>(backend: 'webgpu' | 'wasm', fn: () => Promise<T>): Promise<T> {
  await activateBackend(backend);
  if (backend !== 'webgpu') return fn();
  const engine = tf.engine();
  const stacks: string[] = [];
  const readSync = engine.readSync;
  engine.readSync = function (this: typeof engine, ...args: Parameters<typeof readSync>) {
    stacks.push(new Error('synchronous read').stack ?? '');
    return readSync.apply(this, args);
  };
  let result: T;
  try {
    result = await fn();
  } finally {
    engine.readSync = readSync;
  }
  if (stacks.length > 0) throw new Error(`${stacks.length} synchronous read(s) on webgpu; the first:\n${stacks[0]}`);
  return result;
}

/** |a − b| / |b|, with an absolute floor so values near 0 compare absolutely. */
export function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
}
