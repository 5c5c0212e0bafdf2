// Guards the fused WGSL optimiser update and gradient norm
// (core/engine/webgpu/kernels/optimizer-adam.ts, norm-global.ts) against their
// stock-op references, both on the webgpu backend over the software adapter:
// Adam's moments and parameters after 50 steps, a checkpoint resumed
// bit-for-bit, a shared parameter left untouched by the in-place update, the
// global norm over more gradients than one dispatch binds, and no leaks.
// Skipped, with the reason printed, where the software adapter is unavailable.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, probeBackend } from '../../core/engine/backends.ts';
import { installDispatchCounter } from '../../core/engine/webgpu/dispatch-counter.ts';
import { storageBuffersPerStage } from '../../core/engine/webgpu/program.ts';
import { referenceKernel, registerFusedKernel, resolveKernel, unregisterFusedKernel } from '../../core/ml/engine/kernel-registry.ts';
import type { NamedVariable } from '../../core/ml/models/params.ts';
import { Rng } from '../../core/ml/rng.ts';
import { globalNorm } from '../../core/ml/train/clip.ts';
import { Adam, Sgd } from '../../core/ml/train/optimizer.ts';

process.env['SEQLAB_WEBGPU'] = 'software';
const probe = await probeBackend('webgpu');
if (!probe.available) console.warn(`webgpu optimizer tests skipped: software adapter unavailable (${probe.reason})`);

// Odd sizes, and more parameters than one dispatch takes (so groups and a remainder).
const SHAPES = [[3], [2, 5], [7, 3], [1], [4, 1, 2]];
let nextId = 0;

function makeVars(seed: number): NamedVariable[] {
  const rng = new Rng(seed);
  return SHAPES.map((shape, i) => ({
    name: `p${i}`,
    variable: tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape), true, `webgpu-opt-${nextId++}`),
  }));
}

/** Deterministic gradients of step `step`, keyed by the variables' TF.js names as the trainer passes them. */
function gradsFor(vars: NamedVariable[], step: number): Record<string, tf.Tensor> {
  const rng = new Rng(1000 + step);
  return Object.fromEntries(vars.map(({ variable }) => [variable.name, tf.tensor(Float32Array.from({ length: variable.size }, () => rng.normal() * (1 + step % 3)), variable.shape)]));
}

async function runSteps(opt: Adam | Sgd, vars: NamedVariable[], from: number, to: number): Promise<void> {
  for (let step = from; step < to; step++) {
    const grads = gradsFor(vars, step);
    opt.apply(vars, grads, 1e-2 * (1 + (step % 4)));
    tf.dispose(Object.values(grads));
  }
}

async function values(vars: NamedVariable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => (await v.variable.data()) as Float32Array));
}

/** max |a − b| / max(1e-30, max |b|), per tensor. */
function relDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return Number.isNaN(diff) || a.some(Number.isNaN) ? Infinity : diff / scale;
}

/** Runs `fn` with the reference implementation of `name` in place of the fused one. */
async function withReference<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const fused = resolveKernel(name);
  unregisterFusedKernel(name, 'webgpu');
  try {
    return await fn();
  } finally {
    registerFusedKernel(name, 'webgpu', fused);
  }
}

describe.skipIf(!probe.available)('fused WGSL optimiser update and gradient norm on the software adapter', () => {
  const live: NamedVariable[][] = [];
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
  });
  afterEach(() => {
    for (const vars of live.splice(0)) tf.dispose(vars.map((v) => v.variable));
  });

  it('adamUpdate and globalNorm resolve to the fused kernels, which update in place in a few dispatches', async () => {
    expect(resolveKernel('adamUpdate')).not.toBe(referenceKernel('adamUpdate'));
    expect(resolveKernel('globalNorm')).not.toBe(referenceKernel('globalNorm'));
    const vars = makeVars(5);
    live.push(vars);
    const opt = new Adam();
    await runSteps(opt, vars, 0, 1);
    const work = installDispatchCounter();
    const before = work().dispatches;
    await runSteps(opt, vars, 1, 2);
    // Four storage buffers per parameter (TF.js's device binds 8: two parameters per dispatch); the stock ops take ~60.
    expect(work().dispatches - before).toBe(Math.ceil(SHAPES.length / Math.floor(storageBuffersPerStage() / 4)));
    opt.dispose();
  });

  it("Adam's parameters and moments match the reference within 1e-6 relative after 50 steps", async () => {
    const fusedVars = makeVars(1);
    const refVars = makeVars(1);
    live.push(fusedVars, refVars);
    const fused = new Adam();
    const ref = new Adam();
    await runSteps(fused, fusedVars, 0, 50);
    await withReference('adamUpdate', () => runSteps(ref, refVars, 0, 50));
    const [fw, rw] = [await values(fusedVars), await values(refVars)];
    const [fs, rs] = [await fused.snapshot(fusedVars), await ref.snapshot(refVars)];
    fw.forEach((w, i) => expect(relDiff(w, rw[i]!), `parameter ${i}`).toBeLessThanOrEqual(1e-6));
    expect(Object.keys(fs.slots).sort()).toEqual(Object.keys(rs.slots).sort());
    for (const [k, v] of Object.entries(rs.slots)) expect(relDiff(fs.slots[k]!, v), k).toBeLessThanOrEqual(1e-6);
    // The parameters moved (a skipped update would match nothing above, but say so plainly).
    const start = makeVars(1);
    live.push(start);
    expect(relDiff(fw[2]!, (await values(start))[2]!)).toBeGreaterThan(1e-3);
    fused.dispose();
    ref.dispose();
  });

  it('SGD matches the reference within 1e-6 relative after 50 steps, in a few dispatches', async () => {
    expect(resolveKernel('sgdUpdate')).not.toBe(referenceKernel('sgdUpdate'));
    const fusedVars = makeVars(6);
    const refVars = makeVars(6);
    live.push(fusedVars, refVars);
    await runSteps(new Sgd(), fusedVars, 0, 49);
    const work = installDispatchCounter();
    const before = work().dispatches;
    await runSteps(new Sgd(), fusedVars, 49, 50);
    expect(work().dispatches - before).toBe(Math.ceil(SHAPES.length / Math.floor(storageBuffersPerStage() / 2)));
    await withReference('sgdUpdate', () => runSteps(new Sgd(), refVars, 0, 50));
    const [fw, rw] = [await values(fusedVars), await values(refVars)];
    fw.forEach((w, i) => expect(relDiff(w, rw[i]!), `parameter ${i}`).toBeLessThanOrEqual(1e-6));
  });

  it('a run restored from a snapshot continues bit-for-bit', async () => {
    const straight = makeVars(2);
    const resumed = makeVars(2);
    live.push(straight, resumed);
    const a = new Adam();
    await runSteps(a, straight, 0, 12);
    const snap = await a.snapshot(straight);
    const weights = await values(straight);
    await runSteps(a, straight, 12, 20);
    // A fresh optimiser and parameters restored from the snapshot, as a checkpoint restore does.
    tf.tidy(() => resumed.forEach((v, i) => v.variable.assign(tf.tensor(weights[i]!, v.variable.shape))));
    const b = new Adam();
    b.restore(resumed, snap);
    await runSteps(b, resumed, 12, 20);
    const [sw, rw] = [await values(straight), await values(resumed)];
    sw.forEach((w, i) => expect(Array.from(rw[i]!), `parameter ${i}`).toEqual(Array.from(w)));
    const [ss, rs] = [await a.snapshot(straight), await b.snapshot(resumed)];
    for (const [k, v] of Object.entries(ss.slots)) expect(Array.from(rs.slots[k]!), k).toEqual(Array.from(v));
    a.dispose();
    b.dispose();
  });

  it('leaves a tensor that shares a parameter’s data unchanged (no in-place write there)', async () => {
    const vars = makeVars(3);
    live.push(vars);
    const before = await values(vars);
    const alias = tf.reshape(vars[1]!.variable, [vars[1]!.variable.size]); // shares the data
    const opt = new Adam();
    await runSteps(opt, vars, 0, 2);
    expect(Array.from((await alias.data()) as Float32Array)).toEqual(Array.from(before[1]!));
    expect(relDiff((await values(vars))[1]!, before[1]!)).toBeGreaterThan(0);
    alias.dispose();
    opt.dispose();
  });

  it('leaves no tensors behind after the first step', async () => {
    const vars = makeVars(4);
    live.push(vars);
    const opt = new Adam();
    await runSteps(opt, vars, 0, 1); // creates the moments
    const count = tf.memory().numTensors;
    await runSteps(opt, vars, 1, 3);
    const grads = gradsFor(vars, 0);
    tf.dispose([globalNorm(grads), ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(count);
    opt.dispose();
  });

  it('globalNorm matches the reference over more gradients than one dispatch binds', async () => {
    const rng = new Rng(7);
    const grads: Record<string, tf.Tensor> = {};
    for (let i = 0; i < 17; i++) grads[`g${i}`] = tf.tensor(Float32Array.from({ length: 1 + ((i * 5) % 13) }, () => rng.normal()));
    const fused = globalNorm(grads);
    const ref = await withReference('globalNorm', async () => globalNorm(grads));
    const [f, r] = [(await fused.data())[0]!, (await ref.data())[0]!];
    expect(Math.abs(f - r) / r).toBeLessThanOrEqual(1e-6);
    expect(r).toBeGreaterThan(1);
    tf.dispose([fused, ref, ...Object.values(grads)]);
  });
});
