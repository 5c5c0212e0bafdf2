// Guards the native SGEMM (core/engine/native/src/gemm.cc) behind the fused
// kernels: matmul against a float64 JavaScript product for odd and edge shapes,
// including sizes that straddle its blocking (MR = 6, NR = 16, MC = 144,
// KC = 256, NC = 2048) and all four transpose combinations, and its argument
// checks. Skipped, with the reason, where the addon is not built.
import { describe, expect, it } from 'vitest';
import { loadNativeKernels } from '../../core/engine/fused/native-binding.ts';
import { Rng } from '../../core/ml/rng.ts';

const load = loadNativeKernels();
const native = load.kernels;
if (!native) console.warn(`native-gemm tests skipped: native kernels unavailable (${'reason' in load ? load.reason : ''})`);

const random = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** C = op(A)·op(B) in float64; A stored M×K (K×M when transA), B stored K×N (N×K when transB). */
function reference(M: number, N: number, K: number, A: Float32Array, ta: boolean, B: Float32Array, tb: boolean): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const a = ta ? A[k * M + i]! : A[i * K + k]!;
      if (a === 0) continue;
      for (let j = 0; j < N; j++) C[i * N + j]! += a * (tb ? B[j * K + k]! : B[k * N + j]!);
    }
  }
  return C;
}

/** max |C − ref| / max(max |ref|, tiny). */
function relativeError(C: Float32Array, ref: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(C[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return err / Math.max(scale, 1e-30);
}

// [M, N, K]
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 17, 5],
  [13, 33, 300],
  [150, 40, 3],
  [5, 2100, 70],
  // The depth block KC is 256 on AVX-512 builds and 512 on the others (gemm.cc): cover both edges.
  [6, 16, 256], // exactly one micro-tile, one depth block at KC 256
  [5, 15, 255], // one short of each
  [7, 17, 257], // one past each
  [6, 16, 512], // one micro-tile, one depth block at KC 512
  [7, 17, 513], // one past a KC 512 block
  [144, 16, 8], // exactly MC rows
  [145, 31, 9], // one past MC
  [143, 1, 1],
  [1, 300, 513], // a row vector, two depth blocks and a tail (KC 256)
  [1, 300, 1025], // the same at KC 512
  [300, 1, 40], // a column vector
  [2, 2049, 3], // one past NC columns
  [64, 64, 64],
  // At least two blocks of MC = 144 rows per thread: with 2 threads or more the rows are split and every
  // thread reads one shared packing of each B block (gemm.cc, gemm_rows_shared_b), over two depth blocks.
  [700, 40, 600],
  [600, 2100, 20], // the same past NC columns
  [97, 130, 258],
];

describe.skipIf(!native)('native matmul', () => {
  const k = native!;

  it('reports at least one thread', () => {
    expect(k.threads()).toBeGreaterThanOrEqual(1);
  });

  it('names the SIMD width it was compiled for', () => {
    expect(['avx512', 'avx2', 'neon', 'portable', 'avx2 (portable build)']).toContain(k.simd());
  });

  describe.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transA=%s transB=%s', (ta, tb) => {
    it.each(SHAPES)('%i×%i×%i (M×N×K) matches a float64 product', (M, N, K) => {
      const rng = new Rng(M * 7919 + N * 31 + K + (ta ? 1 : 0) * 2 + (tb ? 1 : 0));
      const A = random(rng, M * K);
      const B = random(rng, K * N);
      const [C] = k.matmul(M, N, K, A, ta, B, tb);
      expect(C).toBeInstanceOf(Float32Array);
      expect(C.length).toBe(M * N);
      expect(relativeError(C, reference(M, N, K, A, ta, B, tb))).toBeLessThanOrEqual(1e-5);
    });
  });

  it('does not read outside its operands nor keep state between calls', () => {
    // Same product twice, with a different product in between: same bits.
    const rng = new Rng(5);
    const A = random(rng, 37 * 41);
    const B = random(rng, 41 * 29);
    const [C1] = k.matmul(37, 29, 41, A, false, B, false);
    k.matmul(150, 40, 300, random(rng, 150 * 300), false, random(rng, 300 * 40), false);
    const [C2] = k.matmul(37, 29, 41, A, false, B, false);
    expect(C2).toEqual(C1);
    expect(C1.every(Number.isFinite)).toBe(true);
  });

  it('returns zeros for an empty inner dimension and an empty result for empty outer ones', () => {
    const [C] = k.matmul(3, 4, 0, new Float32Array(0), false, new Float32Array(0), false);
    expect(Array.from(C)).toEqual(new Array(12).fill(0));
    expect(k.matmul(0, 4, 3, new Float32Array(0), false, new Float32Array(12), false)[0].length).toBe(0);
  });

  it('rejects arrays of the wrong length, naming the argument', () => {
    expect(() => k.matmul(2, 3, 4, new Float32Array(7), false, new Float32Array(12), false)).toThrow(/A has 7 elements, expected 8/);
    expect(() => k.matmul(2, 3, 4, new Float32Array(8), false, new Float32Array(13), false)).toThrow(/B has 13 elements, expected 12/);
    // Transposing does not change how many elements an operand has.
    expect(() => k.matmul(2, 3, 4, new Float32Array(8), true, new Float32Array(11), true)).toThrow(/B has 11 elements, expected 12/);
  });

  it('rejects arrays that are not Float32Array, naming the argument', () => {
    expect(() => k.matmul(2, 2, 2, new Float64Array(4) as unknown as Float32Array, false, new Float32Array(4), false)).toThrow(
      /A must be a Float32Array/,
    );
    expect(() => k.matmul(2, 2, 2, new Float32Array(4), false, [1, 2, 3, 4] as unknown as Float32Array, false)).toThrow(
      /B must be a Float32Array/,
    );
  });

  it('rejects bad sizes and a wrong argument count', () => {
    expect(() => k.matmul(-1, 2, 2, new Float32Array(0), false, new Float32Array(4), false)).toThrow(/M must be a whole number/);
    expect(() => k.matmul(2, 2.5, 2, new Float32Array(4), false, new Float32Array(5), false)).toThrow(/N must be a whole number/);
    expect(() => (k.matmul as unknown as (...a: unknown[]) => unknown)(2, 2, 2, new Float32Array(4), false)).toThrow(
      /expected 7 arguments, got 5/,
    );
  });

  it('softmaxCrossEntropy refuses a target outside the classes, naming its index, and a non-Int32Array', () => {
    expect(() => k.softmaxCrossEntropy(3, 5, new Float32Array(15), Int32Array.from([0, 5, 1]))).toThrow(
      /targets\[1\] = 5 is outside 0\.\.4/,
    );
    expect(() => k.softmaxCrossEntropy(2, 5, new Float32Array(10), Int32Array.from([-1, 0]))).toThrow(/targets\[0\] = -1/);
    expect(() => k.softmaxCrossEntropy(2, 5, new Float32Array(10), new Float32Array(2) as unknown as Int32Array)).toThrow(
      /targets must be an Int32Array/,
    );
  });
});
