// The global gradient norm in WGSL: one dispatch reduces as many gradients as
// it may bind (7 on TF.js's device: one workgroup, each thread strides over
// every tensor, then a tree sum in workgroup memory) and takes the square
// root, instead of a square and a sum per gradient, the addNs and a sqrt. More
// gradients: one partial sum per dispatch, then the partials are added the
// same way. Same function as the
// reference in core/ml/train/clip.ts (summed in another order: equal to float
// rounding; compared in test/engine/webgpu-optimizer.test.ts).
import type * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../../ml/engine/kernel-registry.ts';
import { runProgram, storageBuffersPerStage, USE_UNIFORMS, type WebGPUProgram } from '../program.ts';

const THREADS = 256;

/** Σ over the inputs of Σ x² (square) or Σ x, optionally its square root, as a scalar. */
function sumProgram(sizes: number[], square: boolean, root: boolean): WebGPUProgram {
  const loops = sizes
    .map((n, i) => `for (var k = lid; k < ${n}; k += ${THREADS}) { let x = G${i}[k]; acc += ${square ? 'x * x' : 'x'}; }`)
    .join('\n  ');
  return {
    shaderKey: `seqlabNorm_${sizes.join('_')}_${square}_${root}`,
    variableNames: sizes.map((_, i) => `G${i}`),
    outputShape: [],
    dispatchLayout: { x: [] },
    dispatch: [1, 1, 1],
    workgroupSize: [THREADS, 1, 1],
    getUserCode: () => `
var<workgroup> partial: array<f32, ${THREADS}>;
fn main(index: i32) {
  ${USE_UNIFORMS}
  let lid = i32(localIndex);
  var acc = 0.0;
  ${loops}
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0) { result[0] = ${root ? 'sqrt(partial[0])' : 'partial[0]'}; }
}`,
  };
}

function reduce(tensors: readonly tf.Tensor[], square: boolean): tf.Tensor {
  // One storage buffer is the output.
  const inputsPerDispatch = storageBuffersPerStage() - 1;
  if (tensors.length <= inputsPerDispatch)
    return runProgram(
      sumProgram(
        tensors.map((t) => t.size),
        square,
        true,
      ),
      tensors,
    );
  const partials: tf.Tensor[] = [];
  for (let i = 0; i < tensors.length; i += inputsPerDispatch) {
    const chunk = tensors.slice(i, i + inputsPerDispatch);
    partials.push(
      runProgram(
        sumProgram(
          chunk.map((t) => t.size),
          square,
          false,
        ),
        chunk,
      ),
    );
  }
  // √(Σ partials), itself chunked when there are many.
  const norm = reduce(partials, false);
  for (const p of partials) p.dispose();
  return norm;
}

/** The webgpu implementation of the `globalNorm` kernel. */
export function webgpuGlobalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0 || tensors.some((t) => t.dtype !== 'float32' || t.size === 0))
    return (referenceKernel('globalNorm') as (t: readonly tf.Tensor[]) => tf.Scalar)(tensors);
  return reduce(tensors, true) as tf.Scalar;
}
