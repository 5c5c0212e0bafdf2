// Spectral-norm tools for the stability constraint of Miller & Hardt: the
// projection that clips a matrix's singular values at λ (projected gradient
// descent onto {‖W‖₂ ≤ λ}, the authors' code does it with torch.svd), and the
// spectral norm (Lanczos) for read-outs.
import { Rng } from '../rng.ts';
import { jacobiSvd } from './svd.ts';

export interface Projection {
  /** The projected matrix, [rows, cols] row-major; the input itself when nothing exceeded λ. */
  values: Float32Array;
  /** Right singular vectors of the input, [cols, cols]: a warm start for the next projection of a nearby matrix. */
  v: Float64Array;
  /** Largest singular value before the projection. */
  top: number;
  /** How many singular values were above λ. */
  clipped: number;
}

/**
 * Nearest matrix (Frobenius) with every singular value ≤ bound:
 * W − Σ_{σᵢ > λ} (σᵢ − λ)·uᵢvᵢᵀ.
 * @param w [rows, cols] row-major, rows ≥ cols (recurrent matrices are square)
 * @param v0 warm start: the `v` of the previous projection of this matrix
 */
export function clipSingularValues(w: Float32Array, rows: number, cols: number, bound: number, v0?: Float64Array): Projection {
  // Columns orthogonal to 1e-10 (cosine) give singular values to ~1e-10 relative, far below float32's resolution.
  const { u, s, v } = jacobiSvd(w, rows, cols, { tol: 1e-10, ...(v0 && v0.length === cols * cols ? { v0 } : {}) });
  let clipped = 0;
  while (clipped < cols && s[clipped]! > bound) clipped++;
  if (clipped === 0) return { values: w, v, top: s[0] ?? 0, clipped };
  const out = Float64Array.from(w);
  for (let k = 0; k < clipped; k++) {
    const excess = s[k]! - bound;
    for (let i = 0; i < rows; i++) {
      const ui = u[i * cols + k]! * excess;
      const row = i * cols;
      for (let j = 0; j < cols; j++) out[row + j] = out[row + j]! - ui * v[j * cols + k]!;
    }
  }
  return { values: Float32Array.from(out), v, top: s[0]!, clipped };
}

/**
 * The projection of one matrix across training steps, remembering the last
 * step's right singular vectors as a warm start (fewer Jacobi sweeps; least
 * gain when many singular values sit at λ). Cost per projection of an n×n
 * matrix after an Adam-sized step, one core of a busy 2-core machine (load
 * ≈ 5, so upper figures): n = 128 ≈ 0.1-0.2 s, 256 ≈ 0.25-0.5 s, 512 ≈ 1.6 s
 * (cold, first projection: 0.2 / 0.9 / 3.2 s).
 * A top-block alternative (subspace iteration on WᵀW + Rayleigh–Ritz, the
 * "power method" the authors' code suggests) was tried and dropped: under
 * projected training the singular values pile up at λ (118 of 512 in a
 * synthetic run), so the block must hold them all, costs as much as the full
 * SVD, and, its Ritz values being underestimates, left ‖W‖₂ up to 7e-3 above λ.
 */
export class SpectralClip {
  private v: Float64Array | undefined;

  constructor(readonly bound: number) {}

  /**
   * @param w [rows, cols] row-major, rows ≥ cols
   * @returns the clipped matrix, or null when every singular value was already ≤ bound
   */
  apply(w: Float32Array, rows: number, cols: number): Float32Array | null {
    const p = clipSingularValues(w, rows, cols, this.bound, this.v);
    this.v = p.v;
    return p.clipped > 0 ? p.values : null;
  }
}

/**
 * Largest singular value: Lanczos on WᵀW with full reorthogonalisation, from
 * a fixed pseudo-random start (so read-outs are reproducible). Far fewer
 * products than power iteration when the top of the spectrum is crowded,
 * which is exactly the case after the spectral projection. Stops when the
 * estimate changes by less than `tol` (relative) or the Krylov space is full.
 * @param w [rows, cols] row-major, read from `offset`
 */
export function spectralNorm(w: ArrayLike<number>, rows: number, cols: number, offset = 0, tol = 1e-10): number {
  const maxSteps = Math.min(cols, 120);
  const rng = new Rng(0x5bec);
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = new Float64Array(cols).map(() => rng.next() - 0.5);
  scale(q, 1 / norm(q));
  const wq = new Float64Array(rows);
  let estimate = 0;
  for (let k = 0; k < maxSteps; k++) {
    basis.push(q);
    // r = WᵀW q
    for (let i = 0; i < rows; i++) {
      let acc = 0;
      const row = offset + i * cols;
      for (let j = 0; j < cols; j++) acc += w[row + j]! * q[j]!;
      wq[i] = acc;
    }
    const r = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const a = wq[i]!;
      if (a === 0) continue;
      const row = offset + i * cols;
      for (let j = 0; j < cols; j++) r[j] = r[j]! + w[row + j]! * a;
    }
    alpha.push(dot(q, r));
    // Full reorthogonalisation (twice): keeps the Krylov basis orthogonal in floating point.
    for (let pass = 0; pass < 2; pass++) for (const b of basis) axpy(r, b, -dot(r, b));
    const next = norm(r);
    const top = largestTridiagonalEigenvalue(alpha, beta);
    const converged = k > 0 && Math.abs(top - estimate) <= tol * top;
    estimate = top;
    if (converged || next <= 1e-12 * Math.max(top, 1e-300)) break;
    beta.push(next);
    q = r;
    scale(q, 1 / next);
  }
  return Math.sqrt(Math.max(estimate, 0));
}

/** Largest eigenvalue of the symmetric tridiagonal matrix (diagonal a, off-diagonal b), by Sturm-sequence bisection. */
function largestTridiagonalEigenvalue(a: number[], b: number[]): number {
  const n = a.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const radius = (i > 0 ? Math.abs(b[i - 1]!) : 0) + (i < n - 1 ? Math.abs(b[i]!) : 0);
    lo = Math.min(lo, a[i]! - radius);
    hi = Math.max(hi, a[i]! + radius);
  }
  /** Eigenvalues below x: sign changes of the LDLᵀ pivots of T − x·I. */
  const below = (x: number) => {
    let count = 0;
    let d = 1;
    for (let i = 0; i < n; i++) {
      d = a[i]! - x - (i > 0 ? (b[i - 1]! * b[i - 1]!) / d : 0);
      if (d === 0) d = -1e-300;
      if (d < 0) count++;
    }
    return count;
  };
  for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(Math.abs(hi), 1e-300); it++) {
    const mid = (lo + hi) / 2;
    if (below(mid) === n) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

function norm(x: Float64Array): number {
  return Math.sqrt(dot(x, x));
}

function scale(x: Float64Array, c: number): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * c;
}

/** x += c·y */
function axpy(x: Float64Array, y: Float64Array, c: number): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + c * y[i]!;
}
