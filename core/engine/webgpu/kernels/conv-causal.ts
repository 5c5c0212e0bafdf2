// Causal dilated 1-D convolution in WGSL: the forward pass is one dispatch
// (a tiled product that reads the shifted time steps in place) and the whole
// backward pass one more (input, weight and bias gradients as three outputs of
// one program), instead of the reference's pad + k slices + k matMuls + adds
// and their gradients. Same function as core/ml/ops/causal-conv.ts (compared
// in test/engine/webgpu-kernels.test.ts).
import * as tf from '@tensorflow/tfjs';
import { runGemm, type GemmRole } from './dense-gemm.ts';

/** Sizes every program of one convolution is specialised for. */
interface ConvShape {
  B: number;
  T: number;
  Cin: number;
  Cout: number;
  K: number;
  D: number;
}

const keyOf = (s: ConvShape) => `${s.B}_${s.T}_${s.Cin}_${s.Cout}_${s.K}_${s.D}`;

/**
 * y[b,t,o] = bias[o] + Σ_j Σ_c x[b, t−(K−1−j)·D, c] · w[j·Cin+c, o]: a product
 * of the im2col matrix (read in place, never built) [B·T, K·Cin] and w.
 * @param x [B, T, Cin] @param w [K·Cin, Cout] @param bias [Cout] @returns [B, T, Cout]
 */
function convForward(s: ConvShape, x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { B, T, Cin, Cout, K, D } = s;
  const role: GemmRole = {
    kind: 'product',
    out: 'Y',
    M: B * T,
    N: Cout,
    K: K * Cin,
    a: `let t = m % ${T}; let ts = t - (${K - 1} - k / ${Cin}) * ${D}; if (ts < 0) { return 0.0; } return X[(m - t + ts) * ${Cin} + k % ${Cin}];`,
    b: `return W[k * ${Cout} + n];`,
    bias: 'Bias[n]',
  };
  const [y] = runGemm(
    `seqlabConvFwd_${keyOf(s)}`,
    [role],
    [[B, T, Cout]],
    [
      { name: 'X', tensor: x },
      { name: 'W', tensor: w },
      { name: 'Bias', tensor: bias },
    ],
  );
  return y!;
}

/**
 * All three gradients in one dispatch, as two products and a column sum:
 * dx[(b,s), c] = Σ_(j,o) dy[b, s+(K−1−j)·D, o] · w[j·Cin+c, o];
 * dw[(j,c), o] = Σ_(b,t) x[b, t−(K−1−j)·D, c] · dy[b, t, o]; dbias[o] = Σ_(b,t) dy[b, t, o].
 * @returns [dx [B,T,Cin], dw [K·Cin, Cout], dbias [Cout]]
 */
function convBackward(s: ConvShape, x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor): tf.Tensor[] {
  const { B, T, Cin, Cout, K, D } = s;
  const roles: GemmRole[] = [
    {
      kind: 'product',
      out: 'DX',
      M: B * T,
      N: Cin,
      K: K * Cout,
      a: `let si = m % ${T}; let t = si + (${K - 1} - k / ${Cout}) * ${D}; if (t >= ${T}) { return 0.0; } return DY[(m - si + t) * ${Cout} + k % ${Cout}];`,
      b: `return W[((k / ${Cout}) * ${Cin} + n) * ${Cout} + k % ${Cout}];`,
    },
    {
      kind: 'product',
      out: 'DW',
      M: K * Cin,
      N: Cout,
      K: B * T,
      a: `let t = k % ${T}; let ts = t - (${K - 1} - m / ${Cin}) * ${D}; if (ts < 0) { return 0.0; } return X[(k - t + ts) * ${Cin} + m % ${Cin}];`,
      b: `return DY[k * ${Cout} + n];`,
    },
    { kind: 'columnSum', out: 'DBIAS', src: 'DY', rows: B * T, N: Cout },
  ];
  return runGemm(
    `seqlabConvBwd_${keyOf(s)}`,
    roles,
    [[B, T, Cin], [K * Cin, Cout], [Cout]],
    [
      { name: 'X', tensor: x },
      { name: 'W', tensor: w },
      { name: 'DY', tensor: dy },
    ],
  );
}

/** The webgpu implementation of the `causalConv1d` kernel. */
export function webgpuCausalConv1d(x: tf.Tensor3D, w: tf.Tensor2D, bias: tf.Tensor1D, kernelSize: number, dilation: number): tf.Tensor3D {
  const [B, T, Cin] = x.shape;
  const Cout = w.shape[1];
  if (w.shape[0] !== kernelSize * Cin)
    throw new Error(`causalConv1d: kernel has ${w.shape[0]} rows, expected kernelSize·Cin = ${kernelSize * Cin}`);
  const s: ConvShape = { B, T, Cin, Cout, K: kernelSize, D: dilation };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, bi] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
    (args[3] as tf.GradSaveFunc)([xi, wi]);
    return {
      value: convForward(s, xi, wi, bi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => convBackward(s, saved[0]!, saved[1]!, dy),
    };
  });
  return op(x, w, bias) as tf.Tensor3D;
}
