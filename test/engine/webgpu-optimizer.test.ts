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
import { gradsFor, makeVars, readValues, relDiffStrict, runSteps } from '../helpers/optimizer-cases.ts';

process.env['SEQLAB_WEBGPU'] = 'software';
const probe = await probeBackend('webgpu');
if (!probe.available) console.warn(`webgpu optimizer tests skipped: software adapter unavailable (${probe.reason})`);

// Odd sizes, and more parameters than one dispatch takes (so groups and a remainder).
const SHAPES = [[3], [2, 5], [7, 3], [1], [4, 1, 2]];

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
    const vars = makeVars(SHAPES, 5);
    live.push(vars);
    const opt = new Adam();
    runSteps(opt, vars, 0, 1);
    const work = installDispatchCounter();
    const before = work().dispatches;
    runSteps(opt, vars, 1, 2);
    // Four storage buffers per parameter (TF.js's device binds 8: two parameters per dispatch); the stock ops take ~60.
    expect(work().dispatches - before).toBe(Math.ceil(SHAPES.length / Math.floor(storageBuffersPerStage() / 4)));
    opt.dispose();
  });

  it("Adam's parameters and moments match the reference within 1e-6 relative after 50 steps", async () => {
    const fusedVars = makeVars(SHAPES, 1);
    const refVars = makeVars(SHAPES, 1);
    live.push(fusedVars, refVars);
    const fused = new Adam();
    const ref = new Adam();
    runSteps(fused, fusedVars, 0, 50);
    await withReference('adamUpdate', async () => runSteps(ref, refVars, 0, 50));
    const [fw, rw] = [await readValues(fusedVars), await readValues(refVars)];
    const [fs, rs] = [await fused.snapshot(fusedVars), await ref.snapshot(refVars)];
    fw.forEach((w, i) => expect(relDiffStrict(w, rw[i]!), `parameter ${i}`).toBeLessThanOrEqual(1e-6));
    expect(Object.keys(fs.slots).sort()).toEqual(Object.keys(rs.slots).sort());
    for (const [k, v] of Object.entries(rs.slots)) expect(relDiffStrict(fs.slots[k]!, v), k).toBeLessThanOrEqual(1e-6);
    // The parameters moved (a skipped update would match nothing above, but say so plainly).
    const start = makeVars(SHAPES, 1);
    live.push(start);
    expect(relDiffStrict(fw[2]!, (await readValues(start))[2]!)).toBeGreaterThan(1e-3);
    fused.dispose();
    ref.dispose();
  });

  it('SGD matches the reference within 1e-6 relative after 50 steps, in a few dispatches', async () => {
    expect(resolveKernel('sgdUpdate')).not.toBe(referenceKernel('sgdUpdate'));
    const fusedVars = makeVars(SHAPES, 6);
    const refVars = makeVars(SHAPES, 6);
    live.push(fusedVars, refVars);
    runSteps(new Sgd(), fusedVars, 0, 49);
    const work = installDispatchCounter();
    const before = work().dispatches;
    runSteps(new Sgd(), fusedVars, 49, 50);
    expect(work().dispatches - before).toBe(Math.ceil(SHAPES.length / Math.floor(storageBuffersPerStage() / 2)));
    await withReference('sgdUpdate', async () => runSteps(new Sgd(), refVars, 0, 50));
    const [fw, rw] = [await readValues(fusedVars), await readValues(refVars)];
    fw.forEach((w, i) => expect(relDiffStrict(w, rw[i]!), `parameter ${i}`).toBeLessThanOrEqual(1e-6));
  });

  it('a run restored from a snapshot continues bit-for-bit', async () => {
    const straight = makeVars(SHAPES, 2);
    const resumed = makeVars(SHAPES, 2);
    live.push(straight, resumed);
    const a = new Adam();
    runSteps(a, straight, 0, 12);
    const snap = await a.snapshot(straight);
    const weights = await readValues(straight);
    runSteps(a, straight, 12, 20);
    // A fresh optimiser and parameters restored from the snapshot, as a checkpoint restore does.
    tf.tidy(() => resumed.forEach((v, i) => v.variable.assign(tf.tensor(weights[i]!, v.variable.shape))));
    const b = new Adam();
    b.restore(resumed, snap);
    runSteps(b, resumed, 12, 20);
    const [sw, rw] = [await readValues(straight), await readValues(resumed)];
    sw.forEach((w, i) => expect(Array.from(rw[i]!), `parameter ${i}`).toEqual(Array.from(w)));
    const [ss, rs] = [await a.snapshot(straight), await b.snapshot(resumed)];
    for (const [k, v] of Object.entries(ss.slots)) expect(Array.from(rs.slots[k]!), k).toEqual(Array.from(v));
    a.dispose();
    b.dispose();
  });

  it('leaves a tensor that shares a parameter’s data unchanged (no in-place write there)', async () => {
    const vars = makeVars(SHAPES, 3);
    live.push(vars);
    const before = await readValues(vars);
    const alias = tf.reshape(vars[1]!.variable, [vars[1]!.variable.size]); // shares the data
    const opt = new Adam();
    runSteps(opt, vars, 0, 2);
    expect(Array.from((await alias.data()) as Float32Array)).toEqual(Array.from(before[1]!));
    expect(relDiffStrict((await readValues(vars))[1]!, before[1]!)).toBeGreaterThan(0);
    alias.dispose();
    opt.dispose();
  });

  it('leaves no tensors behind after the first step', async () => {
    const vars = makeVars(SHAPES, 4);
    live.push(vars);
    const opt = new Adam();
    runSteps(opt, vars, 0, 1); // creates the moments
    const count = tf.memory().numTensors;
    runSteps(opt, vars, 1, 3);
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
