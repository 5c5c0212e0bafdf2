// Plain SGD's update in WGSL: each dispatch updates a few parameters in place
// (one read_write buffer and one gradient each: four parameters in the 8
// storage buffers a stage may bind on TF.js's device), instead of two stock
// kernels and a fresh tensor per parameter. Same arithmetic as the reference
// in core/ml/train/optimizer.ts (compared in test/engine/webgpu-optimizer.test.ts).
import type * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../../ml/engine/kernel-registry.ts';
import type { SgdParamUpdate } from '../../../ml/train/optimizer.ts';
import { flatGrid, flatMain, runMultiOutputProgram, sharedDataCount, storageBuffersPerStage } from '../program.ts';

/** Storage buffers per parameter: w (read_write) and g. */
const BUFFERS_PER_PARAM = 2;

function updateGroup(group: readonly SgdParamUpdate[], lr: number): void {
  const sizes = group.map((u) => u.param.size);
  let offset = 0;
  const branches = sizes.map((n, i) => {
    const from = offset;
    offset += n;
    return `${i === 0 ? '' : 'else '}if (index < ${offset}) { let k = index - ${from}; W${i}[k] = W${i}[k] - G${i}[k] * u.lr; }`;
  });
  runMultiOutputProgram(
    {
      key: `seqlabSgd_${sizes.join('_')}`,
      code: `${flatMain(offset)}\n  ${branches.join(' ')}\n}`,
      workgroups: flatGrid(offset),
      uniformFields: ['lr : f32'],
    },
    group.map((u, i) => ({ name: `W${i}`, inPlace: u.param })),
    group.map((u, i) => ({ name: `G${i}`, tensor: u.grad })),
    [{ type: 'float32', data: [lr] }],
  );
}

/** The webgpu implementation of the `sgdUpdate` kernel: in place, a few parameters per dispatch. */
export function webgpuSgdUpdate(updates: readonly SgdParamUpdate[], lr: number): void {
  // In place only where nothing else shares the parameter's data; the rest take the reference path.
  const owned = (t: tf.Tensor) => t.dtype === 'float32' && sharedDataCount(t) === 1;
  const fused = updates.filter((u) => u.grad.dtype === 'float32' && owned(u.param) && u.grad.size === u.param.size && u.param.size > 0);
  const rest = updates.filter((u) => !fused.includes(u));
  const perDispatch = Math.max(1, Math.floor(storageBuffersPerStage() / BUFFERS_PER_PARAM));
  for (let i = 0; i < fused.length; i += perDispatch) updateGroup(fused.slice(i, i + perDispatch), lr);
  if (rest.length > 0) (referenceKernel('sgdUpdate') as (u: readonly SgdParamUpdate[], lr: number) => void)(rest, lr);
}
