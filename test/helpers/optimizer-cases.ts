// Shared set-up of the fused optimiser tests (native on cpu/wasm, WGSL on
// webgpu): named parameters of odd shapes drawn from a seed, deterministic
// gradients per step, a run of optimiser steps, and the relative difference
// the 1e-6 checks use.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { NamedVariable } from '../../core/ml/models/params.ts';
import { Rng } from '../../core/ml/rng.ts';
import type { Adam, Sgd } from '../../core/ml/train/optimizer.ts';

let nextId = 0;

/**
 * One trainable variable per shape, N(0, 1) from `seed`, named p0, p1, …
 * The initial tensor is disposed, so each parameter owns its data as the
 * models' do after their first update (the in-place fused updates need that).
 */
export function makeVars(shapes: number[][], seed: number): NamedVariable[] {
  const rng = new Rng(seed);
  return shapes.map((shape, i) => {
    const initial = tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
      shape,
    );
    const variable = tf.variable(initial, true, `opt-test-${nextId++}`);
    initial.dispose();
    return { name: `p${i}`, variable };
  });
}

/** Deterministic gradients of step `step`, keyed by the variables' TF.js names as the trainer passes them. */
export function gradsFor(vars: NamedVariable[], step: number): Record<string, tf.Tensor> {
  const rng = new Rng(1000 + step);
  return Object.fromEntries(
    vars.map(({ variable }) => [
      variable.name,
      tf.tensor(
        Float32Array.from({ length: variable.size }, () => rng.normal() * (1 + (step % 3))),
        variable.shape,
      ),
    ]),
  );
}

/** Steps `from` to `to` (exclusive) with a learning rate that changes every step. */
export function runSteps(opt: Adam | Sgd, vars: NamedVariable[], from: number, to: number): void {
  for (let step = from; step < to; step++) {
    const grads = gradsFor(vars, step);
    opt.apply(vars, grads, 1e-2 * (1 + (step % 4)));
    tf.dispose(Object.values(grads));
  }
}

/** Every parameter's values, read asynchronously (webgpu has no synchronous read in Node). */
export function readValues(vars: NamedVariable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => (await v.variable.data()) as Float32Array));
}

/** max |a − b| / max(1e-30, max |b|), per tensor; Infinity when a holds a NaN. */
export function relDiffStrict(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return Number.isNaN(diff) || a.some(Number.isNaN) ? Infinity : diff / scale;
}
