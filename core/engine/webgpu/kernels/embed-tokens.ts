// Token embedding in WGSL: a row gather forward (one dispatch) and, backward,
// a segment sum without float atomics (one dispatch: one invocation per
// (vocab row, column) walks every position and adds the dy of its token's
// rows, plus one per column for the bias), instead of the reference's one-hot
// product. Same function as the reference in core/ml/ops/embed-tokens.ts,
// out-of-range ids included (a one-hot row of zeros: bias only, no gradient).
import * as tf from '@tensorflow/tfjs';
import { flatGrid, flatMain, flatProgram, runMultiOutputProgram, runProgram } from '../program.ts';

/** @param tokens [batch, time] int32 @param weight [V, E] @param bias [E] @returns [batch, time, E] */
function embedForward(tokens: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, V: number, E: number): tf.Tensor {
  const [batch, time] = tokens.shape as [number, number];
  const body = `
  let e = index % ${E};
  let id = Ids[index / ${E}];
  var v = Bias[e];
  if (id >= 0 && id < ${V}) { v += W[id * ${E} + e]; }
  result[index] = v;`;
  return runProgram(flatProgram(`seqlabEmbedFwd_${V}_${E}`, ['Ids', 'W', 'Bias'], [batch, time, E], body), [tokens, weight, bias]);
}

/** @returns [dW [V, E], db [E]] */
function embedBackward(tokens: tf.Tensor, dy: tf.Tensor, V: number, E: number): tf.Tensor[] {
  const positions = tokens.size;
  const nw = V * E;
  const code = `${flatMain(nw + E)}
  if (index < ${nw}) {
    let v = index / ${E};
    let e = index % ${E};
    var acc = 0.0;
    for (var i = 0; i < ${positions}; i++) {
      if (Ids[i] == v) { acc += DY[i * ${E} + e]; }
    }
    DW[index] = acc;
  } else {
    let e = index - ${nw};
    var acc = 0.0;
    for (var i = 0; i < ${positions}; i++) {
      acc += DY[i * ${E} + e];
    }
    DB[e] = acc;
  }
}`;
  return runMultiOutputProgram(
    { key: `seqlabEmbedBwd_${positions}_${V}_${E}`, code, workgroups: flatGrid(nw + E) },
    [
      { name: 'DW', shape: [V, E] },
      { name: 'DB', shape: [E] },
    ],
    [
      { name: 'Ids', tensor: tokens },
      { name: 'DY', tensor: dy },
    ],
  );
}

/** The webgpu implementation of the `embedTokens` kernel. */
export function webgpuEmbedTokens(tokens: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  if (tokens.dtype !== 'int32') throw new Error(`embedTokens: token ids must be int32, got ${tokens.dtype}`);
  const [V, E] = weight.shape;
  // Token ids are data, not parameters: the op differentiates weight and bias
  // only, and keeps the ids (saved: the caller may dispose them before the
  // backward pass runs) for the segment sum.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [wi, bi] = args as [tf.Tensor, tf.Tensor];
    (args[2] as tf.GradSaveFunc)([tokens]);
    return {
      value: embedForward(tokens, wi, bi, V, E),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => embedBackward(saved[0]!, dy, V, E),
    };
  });
  return op(weight, bias) as tf.Tensor3D;
}
