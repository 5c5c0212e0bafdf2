// Singular value decomposition in plain TypeScript: TF.js has no SVD (nor any
// eigensolver). One-sided Jacobi (Hestenes 1958): rotate pairs of columns of A
// until all are mutually orthogonal; then A·V = U·diag(s). Float64 throughout,
// columns kept contiguous so the inner loops stream memory.
// Cost per sweep ≈ n²/2 column pairs × O(m + n); a cold start needs ~6-10
// sweeps, a warm start (v0 = the V of a nearby matrix) two or three.

export interface Svd {
  /** Left singular vectors, [m, n] row-major; column j belongs to s[j] (zero where s[j] is 0). */
  u: Float64Array;
  /** Singular values, descending, length n. */
  s: Float64Array;
  /** Right singular vectors, [n, n] row-major (orthogonal); column j belongs to s[j]. */
  v: Float64Array;
}

export interface SvdOptions {
  /** Orthogonal [n, n] row-major start for V (warm start); identity when absent. */
  v0?: Float64Array;
  /** A pair is rotated while |cᵢ·cⱼ| > tol·‖cᵢ‖‖cⱼ‖. */
  tol?: number;
  maxSweeps?: number;
}

/**
 * A = U·diag(s)·Vᵀ for A of shape [m, n] with m ≥ n (row-major). Pass the
 * transpose for a wide matrix and swap U and V.
 */
export function jacobiSvd(a: ArrayLike<number>, m: number, n: number, options: SvdOptions = {}): Svd {
  if (m < n) throw new Error(`jacobiSvd: needs rows ≥ columns, got [${m}, ${n}]`);
  if (a.length !== m * n) throw new Error(`jacobiSvd: expected ${m * n} values, got ${a.length}`);
  const tol = options.tol ?? 1e-12;
  const maxSweeps = options.maxSweeps ?? 60;
  // Column-major working copies: w holds the columns of A·V, vc those of V.
  const vc = new Float64Array(n * n);
  if (options.v0) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vc[j * n + i] = options.v0[i * n + j]!;
  } else {
    for (let j = 0; j < n; j++) vc[j * n + j] = 1;
  }
  const w = new Float64Array(m * n);
  if (options.v0) {
    // w[:, j] = A · v0[:, j]
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < n; k++) row[k] = a[i * n + k]!;
      for (let j = 0; j < n; j++) {
        const vj = j * n;
        let acc = 0;
        for (let k = 0; k < n; k++) acc += row[k]! * vc[vj + k]!;
        w[j * m + i] = acc;
      }
    }
  } else {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[j * m + i] = a[i * n + j]!;
  }

  const norms = new Float64Array(n);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    // Fresh squared norms each sweep; within a sweep they are updated exactly
    // from the rotation (α' = α − tγ, β' = β + tγ), saving two of three dot products.
    for (let j = 0; j < n; j++) norms[j] = dot(w, j * m, w, j * m, m);
    let rotated = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = norms[p]!;
        const beta = norms[q]!;
        const gamma = dot(w, p * m, w, q * m, m);
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated++;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        if (m === n) rotatePair(w, vc, p * n, q * n, n, c, s);
        else {
          rotate(w, p * m, q * m, m, c, s);
          rotate(vc, p * n, q * n, n, c, s);
        }
        norms[p] = alpha - t * gamma;
        norms[q] = beta + t * gamma;
      }
    }
    if (rotated === 0) break;
  }

  // s_j = ‖w_j‖, u_j = w_j / s_j; then sort descending.
  const sv = new Float64Array(n);
  for (let j = 0; j < n; j++) sv[j] = Math.sqrt(dot(w, j * m, w, j * m, m));
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => sv[y]! - sv[x]!);
  const u = new Float64Array(m * n);
  const v = new Float64Array(n * n);
  const s = new Float64Array(n);
  order.forEach((src, dst) => {
    const sigma = sv[src]!;
    s[dst] = sigma;
    if (sigma > 0) for (let i = 0; i < m; i++) u[i * n + dst] = w[src * m + i]! / sigma;
    for (let i = 0; i < n; i++) v[i * n + dst] = vc[src * n + i]!;
  });
  return { u, s, v };
}

function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    a0 += x[xo + i]! * y[yo + i]!;
    a1 += x[xo + i + 1]! * y[yo + i + 1]!;
    a2 += x[xo + i + 2]! * y[yo + i + 2]!;
    a3 += x[xo + i + 3]! * y[yo + i + 3]!;
  }
  for (; i < len; i++) a0 += x[xo + i]! * y[yo + i]!;
  return a0 + a1 + a2 + a3;
}

/** rotate() on the same two columns of two square factors in one pass (square A: columns of A·V and of V have equal length). */
function rotatePair(x: Float64Array, y: Float64Array, po: number, qo: number, len: number, c: number, s: number): void {
  for (let i = 0; i < len; i++) {
    const xp = x[po + i]!;
    const xq = x[qo + i]!;
    x[po + i] = c * xp - s * xq;
    x[qo + i] = s * xp + c * xq;
    const yp = y[po + i]!;
    const yq = y[qo + i]!;
    y[po + i] = c * yp - s * yq;
    y[qo + i] = s * yp + c * yq;
  }
}

/** [x_p, x_q] ← [c·x_p − s·x_q, s·x_p + c·x_q] on two contiguous columns. */
function rotate(x: Float64Array, po: number, qo: number, len: number, c: number, s: number): void {
  for (let i = 0; i < len; i++) {
    const xp = x[po + i]!;
    const xq = x[qo + i]!;
    x[po + i] = c * xp - s * xq;
    x[qo + i] = s * xp + c * xq;
  }
}
