// Adam's update in WGSL: each dispatch updates a few parameters and their
// first and second moments in place (three read_write buffers and one
// gradient each: two parameters in the 8 storage buffers a stage may bind on
// TF.js's device), instead of ~12 stock kernels and three fresh tensors per
// parameter. Same arithmetic, in the same order, as the reference in
// core/ml/train/optimizer.ts (compared in test/engine/webgpu-optimizer.test.ts).
import * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../../ml/engine/kernel-registry.ts';
import type { AdamParamUpdate, AdamStep } from '../../../ml/train/optimizer.ts';
import { flatGrid, flatMain, runMultiOutputProgram, sharedDataCount, storageBuffersPerStage } from '../program.ts';

/** Storage buffers per parameter: w, m, v (read_write) and g. */
const BUFFERS_PER_PARAM = 4;

/** A float as a WGSL f32 literal with the value TF.js would upload (the nearest float32). */
const f32 = (x: number) => {
  const s = String(Math.fround(x));
  return /[.e]/.test(s) ? s : `${s}.0`;
};

function adamProgramCode(sizes: number[], s: AdamStep): string {
  let offset = 0;
  const branches = sizes.map((n, i) => {
    const from = offset;
    offset += n;
    return `${i === 0 ? '' : 'else '}if (index < ${offset}) {
    let k = index - ${from};
    let g = G${i}[k];
    let m = M${i}[k] * ${f32(s.beta1)} + g * ${f32(1 - s.beta1)};
    let v = V${i}[k] * ${f32(s.beta2)} + (g * g) * ${f32(1 - s.beta2)};
    M${i}[k] = m;
    V${i}[k] = v;
    W${i}[k] = W${i}[k] - (m / (sqrt(v) + ${f32(s.epsilon)})) * u.stepSize;
  }`;
  });
  return `${flatMain(offset)}
  ${branches.join(' ')}
}`;
}

function updateGroup(group: readonly AdamParamUpdate[], s: AdamStep): void {
  const sizes = group.map((u) => u.param.size);
  const code = adamProgramCode(sizes, s);
  const total = sizes.reduce((a, b) => a + b, 0);
  runMultiOutputProgram(
    {
      key: `seqlabAdam_${sizes.join('_')}_${s.beta1}_${s.beta2}_${s.epsilon}`,
      code,
      workgroups: flatGrid(total),
      uniformFields: ['stepSize : f32'],
    },
    group.flatMap((u, i) => [
      { name: `W${i}`, inPlace: u.param },
      { name: `M${i}`, inPlace: u.m },
      { name: `V${i}`, inPlace: u.v },
    ]),
    group.map((u, i) => ({ name: `G${i}`, tensor: u.grad })),
    [{ type: 'float32', data: [s.stepSize] }],
  );
}

/** The webgpu implementation of the `adamUpdate` kernel: in place, a few parameters per dispatch. */
export function webgpuAdamUpdate(updates: readonly AdamParamUpdate[], s: AdamStep): void {
  // In place only where nothing else shares the data (a clone or reshape of a
  // parameter would otherwise change under its holder); the rest, and
  // anything not float32, take the reference path.
  const owned = (t: tf.Tensor) => t.dtype === 'float32' && sharedDataCount(t) === 1;
  const fused = updates.filter(
    (u) => u.grad.dtype === 'float32' && owned(u.param) && owned(u.m) && owned(u.v) && u.grad.size === u.param.size && u.param.size > 0,
  );
  const rest = updates.filter((u) => !fused.includes(u));
  const perDispatch = Math.max(1, Math.floor(storageBuffersPerStage() / BUFFERS_PER_PARAM));
  for (let i = 0; i < fused.length; i += perDispatch) updateGroup(fused.slice(i, i + perDispatch), s);
  if (rest.length > 0) (referenceKernel('adamUpdate') as (u: readonly AdamParamUpdate[], s: AdamStep) => void)(rest, s);
}
