// Guards the native optimiser update and gradient norm
// (core/engine/fused/fused-optimizer.ts) against their stock-op references on
// the cpu and wasm backends: Adam's moments and parameters after 50 steps, SGD
// after 50, a checkpoint resumed bit-for-bit, a shared parameter left
// untouched by the in-place update, the global norm, no leaks, and the
// addon's refusal of mismatched or overlapping buffers. Skipped, with the
// reason, where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { loadNativeKernels } from '../../core/engine/fused/native-binding.ts';
import { referenceKernel, registerFusedKernel, resolveKernel, unregisterFusedKernel } from '../../core/ml/engine/kernel-registry.ts';
import type { NamedVariable } from '../../core/ml/models/params.ts';
import { Rng } from '../../core/ml/rng.ts';
import { globalNorm } from '../../core/ml/train/clip.ts';
import { Adam, Sgd } from '../../core/ml/train/optimizer.ts';
import { gradsFor, makeVars, relDiffStrict, runSteps } from '../helpers/optimizer-cases.ts';

const load = loadNativeKernels();
const native = load.kernels;
if (!native) console.warn(`fused optimizer tests skipped: native kernels unavailable (${'reason' in load ? load.reason : ''})`);

// Odd sizes; the last is past the native pass's threading threshold (2^15), so both paths run.
const SHAPES = [[3], [2, 5], [7, 3], [1], [4, 1, 2], [181, 183]];

const values = (vars: NamedVariable[]) => vars.map((v) => v.variable.dataSync() as Float32Array);

/** Runs `fn` with the reference implementation of `name` in place of the fused one. */
function withReference<T>(name: string, fn: () => T): T {
  const backend = tf.getBackend();
  const fused = resolveKernel(name);
  unregisterFusedKernel(name, backend);
  try {
    return fn();
  } finally {
    registerFusedKernel(name, backend, fused);
  }
}

describe.skipIf(!native).each(['cpu', 'wasm'])('native optimiser update and gradient norm on %s', (backend) => {
  const live: NamedVariable[][] = [];
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });
  afterEach(() => {
    for (const vars of live.splice(0)) tf.dispose(vars.map((v) => v.variable));
  });

  it('adamUpdate, sgdUpdate and globalNorm resolve to the native kernels', () => {
    for (const name of ['adamUpdate', 'sgdUpdate', 'globalNorm']) expect(resolveKernel(name), name).not.toBe(referenceKernel(name));
  });

  it("Adam's parameters and moments match the reference within 1e-6 relative after 50 steps", () => {
    const fusedVars = makeVars(SHAPES, 1);
    const refVars = makeVars(SHAPES, 1);
    const start = makeVars(SHAPES, 1);
    live.push(fusedVars, refVars, start);
    const fused = new Adam();
    const ref = new Adam();
    runSteps(fused, fusedVars, 0, 1);
    runSteps(fused, fusedVars, 1, 50);
    withReference('adamUpdate', () => runSteps(ref, refVars, 0, 50));
    const [fw, rw] = [values(fusedVars), values(refVars)];
    fw.forEach((w, i) => expect(relDiffStrict(w, rw[i]!), `parameter ${i}`).toBeLessThanOrEqual(1e-6));
    return Promise.all([fused.snapshot(fusedVars), ref.snapshot(refVars)]).then(([fs, rs]) => {
      expect(Object.keys(fs.slots).sort()).toEqual(Object.keys(rs.slots).sort());
      for (const [k, v] of Object.entries(rs.slots)) expect(relDiffStrict(fs.slots[k]!, v), k).toBeLessThanOrEqual(1e-6);
      // The parameters moved (a skipped update would match nothing above, but say so plainly).
      expect(relDiffStrict(fw[2]!, values(start)[2]!)).toBeGreaterThan(1e-3);
      fused.dispose();
      ref.dispose();
    });
  });

  it('SGD matches the reference within 1e-6 relative after 50 steps', () => {
    const fusedVars = makeVars(SHAPES, 6);
    const refVars = makeVars(SHAPES, 6);
    live.push(fusedVars, refVars);
    runSteps(new Sgd(), fusedVars, 0, 50);
    withReference('sgdUpdate', () => runSteps(new Sgd(), refVars, 0, 50));
    const [fw, rw] = [values(fusedVars), values(refVars)];
    fw.forEach((w, i) => expect(relDiffStrict(w, rw[i]!), `parameter ${i}`).toBeLessThanOrEqual(1e-6));
  });

  it('a run restored from a snapshot continues bit-for-bit', async () => {
    const straight = makeVars(SHAPES, 2);
    const resumed = makeVars(SHAPES, 2);
    live.push(straight, resumed);
    const a = new Adam();
    runSteps(a, straight, 0, 12);
    const snap = await a.snapshot(straight);
    const weights = values(straight).map((w) => w.slice());
    runSteps(a, straight, 12, 20);
    // A fresh optimiser and parameters restored from the snapshot, as a checkpoint restore does.
    tf.tidy(() => resumed.forEach((v, i) => v.variable.assign(tf.tensor(weights[i]!, v.variable.shape))));
    const b = new Adam();
    b.restore(resumed, snap);
    runSteps(b, resumed, 12, 20);
    const [sw, rw] = [values(straight), values(resumed)];
    sw.forEach((w, i) => expect(Array.from(rw[i]!), `parameter ${i}`).toEqual(Array.from(w)));
    const [ss, rs] = [await a.snapshot(straight), await b.snapshot(resumed)];
    for (const [k, v] of Object.entries(ss.slots)) expect(Array.from(rs.slots[k]!), k).toEqual(Array.from(v));
    a.dispose();
    b.dispose();
  });

  it('leaves a tensor that shares a parameter’s data unchanged (no in-place write there)', () => {
    const vars = makeVars(SHAPES, 3);
    live.push(vars);
    const before = values(vars).map((w) => w.slice());
    const alias = tf.reshape(vars[1]!.variable, [vars[1]!.variable.size]); // shares the data
    const opt = new Adam();
    runSteps(opt, vars, 0, 2);
    expect(Array.from(alias.dataSync())).toEqual(Array.from(before[1]!));
    expect(relDiffStrict(values(vars)[1]!, before[1]!)).toBeGreaterThan(0);
    alias.dispose();
    opt.dispose();
  });

  it('leaves no tensors behind after the first step', () => {
    const vars = makeVars(SHAPES, 4);
    live.push(vars);
    const opt = new Adam();
    runSteps(opt, vars, 0, 1); // creates the moments
    const count = tf.memory().numTensors;
    runSteps(opt, vars, 1, 3);
    runSteps(new Sgd(), vars, 0, 2);
    const grads = gradsFor(vars, 0);
    tf.dispose([globalNorm(grads), ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(count);
    opt.dispose();
  });

  it('globalNorm matches the reference within 1e-6 relative', () => {
    const rng = new Rng(7);
    const grads: Record<string, tf.Tensor> = {};
    for (let i = 0; i < 17; i++)
      grads[`g${i}`] = tf.tensor(Float32Array.from({ length: 1 + ((i * 5) % 13) * (i === 16 ? 4000 : 1) }, () => rng.normal()));
    const fused = globalNorm(grads);
    const ref = withReference('globalNorm', () => globalNorm(grads));
    const [f, r] = [fused.dataSync()[0]!, ref.dataSync()[0]!];
    expect(Math.abs(f - r) / r).toBeLessThanOrEqual(1e-6);
    expect(r).toBeGreaterThan(1);
    tf.dispose([fused, ref, ...Object.values(grads)]);
  });
});

describe.skipIf(!native)('native optimiser argument checks', () => {
  it('refuses buffers of different lengths and overlapping views', () => {
    const n = new Float32Array(8);
    expect(() =>
      native!.adamUpdate(n.subarray(0, 4), new Float32Array(4), new Float32Array(3), new Float32Array(4), 0.9, 0.999, 1e-8, 1e-3),
    ).toThrow(/v has 3 elements, expected 4/);
    expect(() =>
      native!.adamUpdate(n.subarray(0, 4), n.subarray(2, 6), new Float32Array(4), new Float32Array(4), 0.9, 0.999, 1e-8, 1e-3),
    ).toThrow(/w and m overlap/);
    expect(() => native!.sgdUpdate(n.subarray(0, 4), n.subarray(3, 7), 0.1)).toThrow(/w and g overlap/);
    expect(() => native!.sgdUpdate(new Float32Array(2), new Float32Array(2), Number.NaN)).toThrow(/lr must be a finite number/);
    expect(native!.sumOfSquares(Float32Array.from([3, 4]))).toBe(25);
  });
});
