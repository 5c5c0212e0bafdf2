// A tiled matrix product in WGSL, written once and specialised per use: the
// convolution and the dense layer are all products whose operands are read
// through an index expression (a shifted time step, a transposed weight), so
// each pass only says how to read A[m, k] and B[k, n]. One program may hold
// several products and column sums ("roles"): consecutive workgroups take
// consecutive roles, so a layer's whole backward pass is one dispatch.
//
// Each workgroup computes a 64×64 output tile: 256 invocations, 4×4 outputs
// each, stepping through the inner dimension 16 at a time via workgroup
// memory (8 KiB, well under the 32 KiB limit).
import type * as tf from '@tensorflow/tfjs';
import { runMultiOutputProgram, type NamedTensor } from '../program.ts';

const TILE = 64;
const STEP = 16;
const THREADS = 256;

/** OUT[m, n] = Σ_k A[m, k]·B[k, n] (+ bias[n]) for m < M, n < N; OUT is row-major [M, N]. */
export interface ProductRole {
  kind: 'product';
  out: string;
  M: number;
  N: number;
  K: number;
  /** WGSL statements over i32 `m`, `k` (in range) that `return` A[m, k]. */
  a: string;
  /** WGSL statements over i32 `k`, `n` (in range) that `return` B[k, n]. */
  b: string;
  /** WGSL expression over i32 `n` added to every output of column n. */
  bias?: string;
}

/** OUT[n] = Σ_r SRC[r·N + n] over `rows` rows (a bias gradient). */
export interface ColumnSumRole {
  kind: 'columnSum';
  out: string;
  src: string;
  rows: number;
  N: number;
}

export type GemmRole = ProductRole | ColumnSumRole;

const ceil = (a: number, b: number) => Math.ceil(a / b);

function workgroupsOf(role: GemmRole): number {
  return role.kind === 'product' ? ceil(role.M, TILE) * ceil(role.N, TILE) : ceil(role.N, THREADS);
}

function productCode(r: ProductRole, i: number): string {
  const macs: string[] = [];
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) macs.push(`acc[${y * 4 + x}] += a${y} * b${x};`);
  const stores: string[] = [];
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      stores.push(
        `{ let m = row0 + ty * 4 + ${y}; let n = col0 + tx * 4 + ${x}; if (m < ${r.M} && n < ${r.N}) { ${r.out}[m * ${r.N} + n] = acc[${y * 4 + x}]${r.bias ? ` + ${r.bias}` : ''}; } }`,
      );
    }
  }
  return `
fn loadA${i}(m: i32, k: i32) -> f32 {
  if (m >= ${r.M} || k >= ${r.K}) { return 0.0; }
  ${r.a}
}
fn loadB${i}(k: i32, n: i32) -> f32 {
  if (k >= ${r.K} || n >= ${r.N}) { return 0.0; }
  ${r.b}
}
fn role${i}(tile: i32, lid: i32) {
  let row0 = (tile / ${ceil(r.N, TILE)}) * ${TILE};
  let col0 = (tile % ${ceil(r.N, TILE)}) * ${TILE};
  let tx = lid % 16;
  let ty = lid / 16;
  var acc: array<f32, 16>;
  for (var k0 = 0; k0 < ${r.K}; k0 += ${STEP}) {
    for (var e = lid; e < ${TILE * STEP}; e += ${THREADS}) {
      tileA[e] = loadA${i}(row0 + e / ${STEP}, k0 + e % ${STEP});
      tileB[e] = loadB${i}(k0 + e / ${TILE}, col0 + e % ${TILE});
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${STEP}; kk++) {
      let a0 = tileA[(ty * 4) * ${STEP} + kk];
      let a1 = tileA[(ty * 4 + 1) * ${STEP} + kk];
      let a2 = tileA[(ty * 4 + 2) * ${STEP} + kk];
      let a3 = tileA[(ty * 4 + 3) * ${STEP} + kk];
      let b0 = tileB[kk * ${TILE} + tx * 4];
      let b1 = tileB[kk * ${TILE} + tx * 4 + 1];
      let b2 = tileB[kk * ${TILE} + tx * 4 + 2];
      let b3 = tileB[kk * ${TILE} + tx * 4 + 3];
      ${macs.join(' ')}
    }
    workgroupBarrier();
  }
  ${stores.join('\n  ')}
}`;
}

function columnSumCode(r: ColumnSumRole, i: number): string {
  return `
fn role${i}(group: i32, lid: i32) {
  let n = group * ${THREADS} + lid;
  if (n >= ${r.N}) { return; }
  var acc = 0.0;
  for (var row = 0; row < ${r.rows}; row++) { acc += ${r.src}[row * ${r.N} + n]; }
  ${r.out}[n] = acc;
}`;
}

/** WGSL for `roles` in one program, and its workgroup count. */
export function gemmProgram(roles: readonly GemmRole[]): { code: string; workgroups: number } {
  let start = 0;
  const branches: string[] = [];
  const functions = roles.map((r, i) => {
    const count = workgroupsOf(r);
    branches.push(`${i === 0 ? '' : 'else '}if (g < ${start + count}) { role${i}(g - ${start}, lid); }`);
    start += count;
    return r.kind === 'product' ? productCode(r, i) : columnSumCode(r, i);
  });
  const usesTiles = roles.some((r) => r.kind === 'product');
  const code = `${usesTiles ? `var<workgroup> tileA: array<f32, ${TILE * STEP}>;\nvar<workgroup> tileB: array<f32, ${TILE * STEP}>;` : ''}
${functions.join('\n')}
@compute @workgroup_size(${THREADS}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lidu: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = i32(wid.y * nwg.x + wid.x);
  let lid = i32(lidu);
  ${branches.join(' ')}
}`;
  return { code, workgroups: start };
}

/** Workgroups for `n` flat workgroups, folded into y past the 65,535-per-dimension limit. */
function grid(n: number): [number, number, number] {
  const x = Math.min(Math.max(1, n), 65535);
  return [x, Math.ceil(Math.max(1, n) / x), 1];
}

/** Runs `roles` as one dispatch; each role's `out` is a fresh output of the given shape, returned in order. */
export function runGemm(key: string, roles: readonly GemmRole[], shapes: readonly number[][], inputs: readonly NamedTensor[]): tf.Tensor[] {
  const { code, workgroups } = gemmProgram(roles);
  return runMultiOutputProgram(
    { key, code, workgroups: grid(workgroups) },
    roles.map((r, i) => ({ name: r.out, shape: [...shapes[i]!] })),
    inputs,
  );
}
