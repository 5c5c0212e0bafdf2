// A dense layer on every time step in WGSL (tiled products, ./dense-gemm.ts):
// the product and the bias in one dispatch forward, and dx, dW and db as three outputs of one dispatch
// backward (the stock gradient is two transposed matMuls and a sum, each its
// own dispatch, plus the reshapes' copies). Same function as the reference in
// core/ml/ops/embed-tokens.ts (compared in test/engine/webgpu-kernels.test.ts).
import * as tf from '@tensorflow/tfjs';
import { runGemm, type GemmRole } from './dense-gemm.ts';

/**
 * y[m, n] = bias[n] + Σ_k x[m, k] · W[k, n] over M = batch·time rows.
 * @param x [batch, time, K] @param weight [K, N] @param bias [N] @returns [batch, time, N]
 */
function denseForward(batch: number, time: number, K: number, N: number, x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const role: GemmRole = {
    kind: 'product',
    out: 'Y',
    M: batch * time,
    N,
    K,
    a: `return X[m * ${K} + k];`,
    b: `return W[k * ${N} + n];`,
    bias: 'Bias[n]',
  };
  const [y] = runGemm(
    `seqlabDenseFwd_${batch * time}_${K}_${N}`,
    [role],
    [[batch, time, N]],
    [
      { name: 'X', tensor: x },
      { name: 'W', tensor: weight },
      { name: 'Bias', tensor: bias },
    ],
  );
  return y!;
}

/**
 * dx = dy·Wᵀ, dW = xᵀ·dy, db = column sums of dy, in one dispatch (the
 * transposes are index expressions, not copies).
 * @returns [dx [batch, time, K], dW [K, N], db [N]]
 */
function denseBackward(batch: number, time: number, K: number, N: number, x: tf.Tensor, weight: tf.Tensor, dy: tf.Tensor): tf.Tensor[] {
  const M = batch * time;
  const roles: GemmRole[] = [
    { kind: 'product', out: 'DX', M, N: K, K: N, a: `return DY[m * ${N} + k];`, b: `return W[n * ${N} + k];` },
    { kind: 'product', out: 'DW', M: K, N, K: M, a: `return X[k * ${K} + m];`, b: `return DY[k * ${N} + n];` },
    { kind: 'columnSum', out: 'DB', src: 'DY', rows: M, N },
  ];
  return runGemm(
    `seqlabDenseBwd_${M}_${K}_${N}`,
    roles,
    [[batch, time, K], [K, N], [N]],
    [
      { name: 'X', tensor: x },
      { name: 'W', tensor: weight },
      { name: 'DY', tensor: dy },
    ],
  );
}

/** The webgpu implementation of the `timeDistributedDense` kernel. */
export function webgpuTimeDistributedDense(x: tf.Tensor3D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  const [batch, time, K] = x.shape;
  const N = weight.shape[1];
  if (weight.shape[0] !== K) throw new Error(`timeDistributedDense: input width ${K} does not match the weight's ${weight.shape[0]} rows`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, bi] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
    (args[3] as tf.GradSaveFunc)([xi, wi]);
    return {
      value: denseForward(batch, time, K, N, xi, wi, bi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => denseBackward(batch, time, K, N, saved[0]!, saved[1]!, dy),
    };
  });
  return op(x, weight, bias) as tf.Tensor3D;
}
