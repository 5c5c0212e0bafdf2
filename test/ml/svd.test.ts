// The pure-TS Jacobi SVD and the spectral tools on it: known singular values,
// reconstruction, orthogonality, warm starts, the singular-value clip of the
// stability projection and the power-iteration norm.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/ml/rng.ts';
import { clipSingularValues, spectralNorm } from '../../core/ml/constraints/spectral.ts';
import { jacobiSvd } from '../../core/ml/constraints/svd.ts';

/** C = A·B for row-major A [m, k], B [k, n]. */
function matMul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j] = c[i * n + j]! + a[i * k + p]! * b[p * n + j]!;
  return c;
}

function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t;
}

/** An exactly orthogonal [n, n] matrix: a product of Householder reflections I − 2vvᵀ/‖v‖². */
function orthogonal(n: number, rng: Rng): Float64Array {
  let q: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let r = 0; r < n; r++) {
    const v = Array.from({ length: n }, () => rng.normal());
    const vv = v.reduce((s, x) => s + x * x, 0);
    const h = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (2 * v[i]! * v[j]!) / vv;
    q = matMul(q, h, n, n, n);
  }
  return q;
}

/** A = Q1[:, :n] · diag(s) · Q2ᵀ, [m, n], with the given singular values. */
function withSingularValues(m: number, n: number, s: number[], rng: Rng): Float64Array {
  const q1 = orthogonal(m, rng);
  const q2 = orthogonal(n, rng);
  const us = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) us[i * n + j] = q1[i * m + j]! * s[j]!;
  return matMul(us, transpose(q2, n, n), m, n, n);
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((d, x, i) => Math.max(d, Math.abs(x - b[i]!)), 0);

function identity(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

/** Checks A = U·diag(s)·Vᵀ, UᵀU = I (on nonzero s), VᵀV = I, s descending. */
function checkSvd(a: ArrayLike<number>, m: number, n: number, svd: ReturnType<typeof jacobiSvd>, tol: number): void {
  const { u, s, v } = svd;
  const us = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) us[i * n + j] = u[i * n + j]! * s[j]!;
  expect(maxAbsDiff(matMul(us, transpose(v, n, n), m, n, n), a)).toBeLessThan(tol);
  expect(maxAbsDiff(matMul(transpose(v, n, n), v, n, n, n), identity(n))).toBeLessThan(tol);
  const rank = Array.from(s).filter((x) => x > 1e-9).length;
  const utu = matMul(transpose(u, m, n), u, n, m, n);
  for (let i = 0; i < rank; i++) for (let j = 0; j < rank; j++) expect(Math.abs(utu[i * n + j]! - (i === j ? 1 : 0))).toBeLessThan(tol);
  for (let j = 1; j < n; j++) expect(s[j]!).toBeLessThanOrEqual(s[j - 1]!);
}

describe('jacobiSvd', () => {
  it('finds the singular values of a diagonal matrix, sorted', () => {
    const a = [2, 0, 0, 0, -3, 0, 0, 0, 0.5, 0, 0, 0]; // [4, 3]: diag(2, −3, 0.5) over a zero row
    const svd = jacobiSvd(a, 4, 3);
    expect(Array.from(svd.s)).toEqual([3, 2, 0.5]);
    checkSvd(a, 4, 3, svd, 1e-14);
  });

  it('recovers constructed singular values, with orthogonal U and V and exact reconstruction', () => {
    const rng = new Rng(4);
    for (const [m, n] of [
      [5, 5],
      [9, 4],
      [16, 16],
      [40, 33],
    ] as const) {
      const s = Array.from({ length: n }, (_, i) => 3 / (i + 1) + 0.01 * i);
      s.sort((x, y) => y - x);
      const a = withSingularValues(m, n, s, rng);
      const svd = jacobiSvd(a, m, n);
      expect(maxAbsDiff(svd.s, s)).toBeLessThan(1e-12);
      checkSvd(a, m, n, svd, 1e-12);
    }
  });

  it('handles repeated and zero singular values (rank-deficient)', () => {
    const rng = new Rng(5);
    const s = [2, 2, 2, 1, 0, 0];
    const a = withSingularValues(8, 6, s, rng);
    const svd = jacobiSvd(a, 8, 6);
    expect(maxAbsDiff(svd.s, s)).toBeLessThan(1e-12);
    checkSvd(a, 8, 6, svd, 1e-12);
  });

  it('a warm start from a nearby matrix gives the same decomposition', () => {
    const rng = new Rng(6);
    const n = 24;
    const a = Float64Array.from({ length: n * n }, () => rng.normal());
    const cold = jacobiSvd(a, n, n);
    const b = a.map((x) => x + 1e-3 * rng.normal());
    const warm = jacobiSvd(b, n, n, { v0: cold.v });
    const ref = jacobiSvd(b, n, n);
    expect(maxAbsDiff(warm.s, ref.s)).toBeLessThan(1e-12);
    checkSvd(b, n, n, warm, 1e-11);
  });

  it('refuses a wide matrix', () => {
    expect(() => jacobiSvd([1, 2, 3, 4, 5, 6], 2, 3)).toThrow(/rows ≥ columns/);
  });
});

describe('spectral projection and norm', () => {
  it('clips singular values at the bound and keeps the singular vectors', () => {
    const rng = new Rng(7);
    const n = 12;
    const s = Array.from({ length: n }, (_, i) => 2.5 - 0.2 * i); // 2.5 … 0.3
    const a = withSingularValues(n, n, s, rng);
    const p = clipSingularValues(Float32Array.from(a), n, n, 0.8);
    expect(p.clipped).toBe(9); // 2.5 … 0.9 are above 0.8
    expect(p.top).toBeCloseTo(2.5, 5);
    const after = jacobiSvd(p.values, n, n);
    expect(
      maxAbsDiff(
        after.s,
        s.map((x) => Math.min(x, 0.8)),
      ),
    ).toBeLessThan(1e-5);
    // Same directions: Uᵀ·P·V is diagonal for the SVD (U, V) of the input.
    const before = jacobiSvd(Float32Array.from(a), n, n);
    const core = matMul(matMul(transpose(before.u, n, n), p.values, n, n, n), before.v, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) expect(Math.abs(core[i * n + j]!)).toBeLessThan(1e-5);
  });

  it('leaves a matrix that already satisfies the bound untouched', () => {
    const rng = new Rng(8);
    const a = Float32Array.from(withSingularValues(6, 6, [0.7, 0.6, 0.5, 0.4, 0.3, 0.2], rng));
    const p = clipSingularValues(a, 6, 6, 0.8);
    expect(p.clipped).toBe(0);
    expect(p.values).toBe(a);
  });

  it('power iteration gives the top singular value, square or not', () => {
    const rng = new Rng(9);
    for (const [m, n] of [
      [10, 10],
      [5, 15],
      [15, 5],
    ] as const) {
      const a = Float64Array.from({ length: m * n }, () => rng.normal());
      const top = m >= n ? jacobiSvd(a, m, n).s[0]! : jacobiSvd(transpose(a, m, n), n, m).s[0]!;
      expect(Math.abs(spectralNorm(a, m, n) - top) / top).toBeLessThan(1e-6);
    }
  });
});
