// The seam where faster kernels plug in underneath the models.
// Model code calls ops by name through `kernel(name)`; each op has a reference
// implementation made of stock TF.js ops, and a backend may register a fused
// replacement (e.g. a whole LSTM sequence in one WebGPU shader) for itself.
// Models never know which one ran.
import * as tf from '@tensorflow/tfjs';

type AnyFn = (...args: never[]) => unknown;

const references = new Map<string, AnyFn>();
const fused = new Map<string, Map<string, AnyFn>>();

/** Registers the reference implementation of an op (called once per op at module load). */
export function defineKernel<F extends AnyFn>(name: string, reference: F): (...args: Parameters<F>) => ReturnType<F> {
  if (references.has(name)) throw new Error(`kernel "${name}" is defined twice`);
  references.set(name, reference);
  return (...args: Parameters<F>) => (resolveKernel(name) as F)(...args) as ReturnType<F>;
}

/**
 * Registers a fused implementation of `name` for one backend (e.g. 'webgpu').
 * It must compute the same function as the reference, gradients included
 * (wrap it with tf.customGrad); tests compare the two.
 */
export function registerFusedKernel<F extends AnyFn>(name: string, backend: string, impl: F): void {
  if (!references.has(name)) throw new Error(`unknown kernel "${name}"`);
  let byBackend = fused.get(name);
  if (!byBackend) fused.set(name, (byBackend = new Map()));
  byBackend.set(backend, impl);
}

/** Removes a fused implementation (tests use it to compare against the reference). */
export function unregisterFusedKernel(name: string, backend: string): void {
  fused.get(name)?.delete(backend);
}

/** The implementation that runs for `name` on the active backend. */
export function resolveKernel(name: string): AnyFn {
  const impl = fused.get(name)?.get(tf.getBackend()) ?? references.get(name);
  if (!impl) throw new Error(`unknown kernel "${name}"`);
  return impl;
}

/** The stock-op reference of `name`, whatever is registered (fused kernels defer to it for shapes they do not cover). */
export function referenceKernel(name: string): AnyFn {
  const impl = references.get(name);
  if (!impl) throw new Error(`unknown kernel "${name}"`);
  return impl;
}

/** Names of the kernels with a fused implementation on `backend`. */
export function fusedKernelsFor(backend: string): string[] {
  return [...fused.entries()].filter(([, m]) => m.has(backend)).map(([n]) => n);
}
