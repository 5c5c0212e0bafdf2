// Mean softmax cross-entropy in WGSL: the loss in one dispatch (one workgroup
// walks the rows and reduces in workgroup memory) and its gradient in one more
// (one invocation per row writes (softmax − one-hot)·dy/rows), instead of
// log-softmax, a one-hot product, a sum, a mean and as many kernels backward.
// Same function as the reference in core/ml/train/loss.ts, out-of-range
// targets included (their one-hot row is zeros: they add 0 and get no
// gradient, and still count in the mean).
import * as tf from '@tensorflow/tfjs';
import { flatProgram, runProgram, USE_UNIFORMS, type WebGPUProgram } from '../program.ts';

const REDUCE_THREADS = 256;

/** −mean_r log softmax(logits[r])[tgt[r]]: one workgroup, rows strided over its threads, then a tree sum. */
function lossProgram(rows: number, V: number): WebGPUProgram {
  return {
    shaderKey: `seqlabXentLoss_${rows}_${V}`,
    variableNames: ['Logits', 'Targets'],
    outputShape: [],
    dispatchLayout: { x: [] },
    dispatch: [1, 1, 1],
    workgroupSize: [REDUCE_THREADS, 1, 1],
    getUserCode: () => `
var<workgroup> partial: array<f32, ${REDUCE_THREADS}>;
fn main(index: i32) {
  ${USE_UNIFORMS}
  let lid = i32(localIndex);
  var acc = 0.0;
  for (var r = lid; r < ${rows}; r += ${REDUCE_THREADS}) {
    let tgt = Targets[r];
    if (tgt < 0 || tgt >= ${V}) { continue; }
    let base = r * ${V};
    var mx = Logits[base];
    for (var v = 1; v < ${V}; v++) { mx = max(mx, Logits[base + v]); }
    var sum = 0.0;
    for (var v = 0; v < ${V}; v++) { sum += exp(Logits[base + v] - mx); }
    acc += Logits[base + tgt] - mx - log(sum);
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = ${REDUCE_THREADS / 2}; stride > 0; stride = stride / 2) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0) { result[0] = -partial[0] / f32(${rows}); }
}`,
  };
}

/** d loss / d logits = dy·(softmax − one-hot)/rows: one invocation per row. @returns [rows·V] laid out as the logits */
function gradProgram(shape: number[], rows: number, V: number): WebGPUProgram {
  const body = `
  let tgt = Targets[index];
  let base = index * ${V};
  if (tgt < 0 || tgt >= ${V}) {
    for (var v = 0; v < ${V}; v++) { result[base + v] = 0.0; }
    return;
  }
  var mx = Logits[base];
  for (var v = 1; v < ${V}; v++) { mx = max(mx, Logits[base + v]); }
  var sum = 0.0;
  for (var v = 0; v < ${V}; v++) { sum += exp(Logits[base + v] - mx); }
  let scale = Dy[0] / f32(${rows});
  for (var v = 0; v < ${V}; v++) {
    var g = exp(Logits[base + v] - mx) / sum;
    if (v == tgt) { g -= 1.0; }
    result[base + v] = g * scale;
  }`;
  // One invocation per row, though the output has rows·V elements: the flat
  // program covers `rows` invocations and each writes its row.
  const program = flatProgram(`seqlabXentGrad_${rows}_${V}`, ['Logits', 'Targets', 'Dy'], [rows], body);
  return { ...program, outputShape: shape, getUserCode: program.getUserCode };
}

/** The webgpu implementation of the `meanCrossEntropy` kernel. */
export function webgpuMeanCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar {
  const [batch, time, V] = logits.shape;
  if (targets.dtype !== 'int32') throw new Error(`meanCrossEntropy: targets must be int32, got ${targets.dtype}`);
  const rows = batch * time;
  // Targets are data: the op differentiates the logits only (and keeps the
  // targets, saved: the caller may dispose them before the backward pass).
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const li = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([li, targets]);
    return {
      value: runProgram(lossProgram(rows, V), [li, targets]) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runProgram(gradProgram([batch, time, V], rows, V), [saved[0]!, saved[1]!, dy]),
    };
  });
  return op(logits) as tf.Scalar;
}
