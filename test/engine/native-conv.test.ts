// Guards the native causal dilated convolution (core/engine/native/src/conv.cc)
// where the fused-kernel tests' small shapes do not reach: the forward pass
// and the input gradient are one product each whose left operand is packed
// from shifted rows, and the weight gradient one product over every time step
// whose left operand is packed from the transposed shifted rows, so shapes here
// straddle the GEMM's blocking (depth kernel·Cin past KC = 256 or 512, rows past
// MC = 144, panels of MR = 6 rows that cross from one sequence into the next,
// or from one tap into the next; the weight gradient's depth B·T past KC),
// the threaded row and column splits, and a dilation longer than the
// sequence. Compared with float64 JavaScript.
// Skipped, with the reason, where the addon is not built.
import { describe, expect, it } from 'vitest';
import { loadNativeKernels } from '../../core/engine/fused/native-binding.ts';
import { Rng } from '../../core/ml/rng.ts';

const load = loadNativeKernels();
const native = load.kernels;
if (!native) console.warn(`native-conv tests skipped: native kernels unavailable (${'reason' in load ? load.reason : ''})`);

const random = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

interface Dims {
  B: number;
  T: number;
  Cin: number;
  Cout: number;
  K: number;
  D: number;
}

/** y, dx, dw, dbias in float64: y[b,t,o] = bias[o] + Σ_{j,c} x[b, t−(K−1−j)·D, c]·w[j·Cin+c, o], and the gradients of Σ y·dy. */
function reference({ B, T, Cin, Cout, K, D }: Dims, x: Float32Array, w: Float32Array, bias: Float32Array, dy: Float32Array) {
  const y = new Float64Array(B * T * Cout);
  const dx = new Float64Array(B * T * Cin);
  const dw = new Float64Array(K * Cin * Cout);
  const dbias = new Float64Array(Cout);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const out = (b * T + t) * Cout;
      for (let o = 0; o < Cout; o++) {
        y[out + o] = bias[o]!;
        dbias[o]! += dy[out + o]!;
      }
      for (let j = 0; j < K; j++) {
        const s = t - (K - 1 - j) * D;
        if (s < 0) continue;
        for (let c = 0; c < Cin; c++) {
          const xi = (b * T + s) * Cin + c;
          const wr = (j * Cin + c) * Cout;
          let g = 0;
          for (let o = 0; o < Cout; o++) {
            y[out + o]! += x[xi]! * w[wr + o]!;
            g += dy[out + o]! * w[wr + o]!;
            dw[wr + o]! += x[xi]! * dy[out + o]!;
          }
          dx[xi]! += g;
        }
      }
    }
  }
  return { y, dx, dw, dbias };
}

/** max |a − ref| / max(max |ref|, tiny). */
function relativeError(a: Float32Array, ref: Float64Array): number {
  expect(a.length).toBe(ref.length);
  let err = 0;
  let scale = 1e-30;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return a.some(Number.isNaN) ? Infinity : err / scale;
}

// [B, T, Cin, Cout, K, D]
const SHAPES: [number, number, number, number, number, number][] = [
  [2, 150, 100, 20, 3, 4], // depth 300: two depth blocks (the bias once, after the last); 300 rows: past MC
  [3, 100, 130, 40, 3, 8], // enough work to thread: rows split across the pool
  [1, 40, 100, 300, 2, 1], // more columns than rows: columns split across the pool
  [7, 5, 3, 4, 3, 4], // shifts of 4 and 8 over 5 steps: whole taps read only padding
  [5, 7, 1, 1, 2, 1], // one channel in and out
  // The weight gradient's depth B·T = 280 crosses KC = 256 in the middle of a sequence, tap 0's shift of 8
  // is past T = 7 (its rows read only padding), 100 channels put a panel across each tap boundary, and
  // its K·Cin = 300 rows are split across the pool.
  [40, 7, 100, 40, 3, 4],
  [40, 7, 13, 6, 3, 4], // the same depth, 13 channels: most panels cross a tap boundary; a short last panel
  // KC is 512 on builds without AVX-512: depth 3·200 = 600 crosses it inside tap 2, and the weight
  // gradient's depth B·T = 540 crosses it 32 steps into the ninth sequence.
  [9, 60, 200, 24, 3, 4],
  // 600 rows: with 2 threads or more the forward and input-gradient products split them and share one
  // packing of each B block (gemm.cc, gemm_rows_shared_b); the bias after their last depth block.
  [6, 100, 40, 40, 3, 4],
  // Panels whose rows read only padding are skipped (conv.cc, reads_padding): only in a depth block of
  // early taps alone, so channels past KC. T = 12 puts panels at t 0-5 and 6-11. Shift 5: the panel at
  // t 0-5 reads x[0] in its last row (not skipped), the one at t 6-11 gets dy[11] (not skipped); shift 6:
  // both skipped, in the forward and in the input gradient.
  [2, 12, 520, 520, 2, 5],
  [2, 12, 520, 520, 2, 6],
  // T = 7: the input gradient's panel at rows 30-35 is t 2-6 of one sequence and t 0 of the next, which
  // still receives from the future at shift 5: not skipped.
  [6, 7, 16, 520, 2, 5],
];

describe.skipIf(!native)('native causal convolution as one product', () => {
  it.each(SHAPES)('B=%i T=%i Cin=%i Cout=%i k=%i d=%i matches float64 forward and backward', (B, T, Cin, Cout, K, D) => {
    const dims = { B, T, Cin, Cout, K, D };
    const rng = new Rng(B * 1009 + T * 31 + Cin * 7 + Cout + K + D);
    const x = random(rng, B * T * Cin);
    const w = random(rng, K * Cin * Cout);
    const bias = random(rng, Cout);
    const dy = random(rng, B * T * Cout);
    const ref = reference(dims, x, w, bias, dy);
    const [y] = native!.convForward(B, T, Cin, Cout, K, D, x, w, bias);
    const [dx, dw, dbias] = native!.convBackward(B, T, Cin, Cout, K, D, x, w, dy);
    expect(relativeError(y, ref.y), 'y').toBeLessThanOrEqual(1e-5);
    expect(relativeError(dx, ref.dx), 'dx').toBeLessThanOrEqual(1e-5);
    expect(relativeError(dw, ref.dw), 'dw').toBeLessThanOrEqual(1e-5);
    expect(relativeError(dbias, ref.dbias), 'dbias').toBeLessThanOrEqual(1e-5);
  });

  it('gives the same bits when called again after a different shape (no state kept between calls)', () => {
    const rng = new Rng(3);
    const [x, w, bias] = [random(rng, 2 * 9 * 5), random(rng, 3 * 5 * 6), random(rng, 6)];
    const [y1] = native!.convForward(2, 9, 5, 6, 3, 2, x, w, bias);
    native!.convForward(3, 100, 130, 40, 3, 8, random(rng, 3 * 100 * 130), random(rng, 3 * 130 * 40), random(rng, 40));
    const [y2] = native!.convForward(2, 9, 5, 6, 3, 2, x, w, bias);
    expect(y2).toEqual(y1);
  });
});
