// The one hot loop of cached generation, y[o] += Σ_i x[i]·w[o·n + i], as a
// tiny WebAssembly module using 128-bit SIMD (four float32 lanes, two
// accumulators): ~4× the multiply-adds per ns of the same loop in JS, which is
// what brings a 2×10-layer WaveNet to real time on one core. The module is
// assembled here byte by byte (no toolchain in the repository; 270 bytes);
// where WebAssembly SIMD is missing, `createMatvec` falls back to plain JS.
// Pure: no IO, the module is compiled from these bytes in memory.

/** y[o] += Σ_{i<n} x[i]·w[o·n + i] for o < m; n a multiple of 8. All three are views of `arena`. */
export type Matvec = (w: Float32Array, x: Float32Array, y: Float32Array, n: number, m: number) => void;

export interface MatvecKernel {
  /** Memory the views passed to `matvec` must live in. */
  buffer: ArrayBuffer;
  matvec: Matvec;
  simd: boolean;
}

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, l],
  brIf: (l: number) => [0x0d, l],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  i32: (v: number) => [0x41, v], // small non-negative constants only (< 64)
  i32Add: [0x6a],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  f32Add: [0x92],
  v128Load: (offset: number) => [0xfd, 0x00, 0x04, offset],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
  lane: (l: number) => [0xfd, 0x1f, l],
};

/** Bytes of the module: memory "mem" (pages grown by the caller), func "matvec"(w, x, y, n, m). */
function moduleBytes(): Uint8Array {
  // params 0 w, 1 x, 2 y, 3 n, 4 m; locals 5 o, 6 i, 7 wp, 8 ya (i32), 9 a0, 10 a1 (v128)
  const [W, X, Y, N, M, O, I, WP, YA, A0, A1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const xi = [...op.get(X), ...op.get(I), ...op.i32(2), ...op.i32Shl, ...op.i32Add];
  const body = [
    ...[0x02, 0x04, 0x7f, 0x02, 0x7b], // locals: 4 × i32, 2 × v128
    ...op.get(W),
    ...op.set(WP),
    ...op.i32(0),
    ...op.set(O),
    ...op.block,
    ...op.loop,
    ...op.get(O),
    ...op.get(M),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.v128Zero,
    ...op.set(A0),
    ...op.v128Zero,
    ...op.set(A1),
    ...op.i32(0),
    ...op.set(I),
    ...op.block,
    ...op.loop,
    ...op.get(I),
    ...op.get(N),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(A0),
    ...xi,
    ...op.v128Load(0),
    ...op.get(WP),
    ...op.v128Load(0),
    ...op.f32x4Mul,
    ...op.f32x4Add,
    ...op.set(A0),
    ...op.get(A1),
    ...xi,
    ...op.v128Load(16),
    ...op.get(WP),
    ...op.v128Load(16),
    ...op.f32x4Mul,
    ...op.f32x4Add,
    ...op.set(A1),
    ...op.get(WP),
    ...op.i32(32),
    ...op.i32Add,
    ...op.set(WP),
    ...op.get(I),
    ...op.i32(8),
    ...op.i32Add,
    ...op.set(I),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(A0),
    ...op.get(A1),
    ...op.f32x4Add,
    ...op.set(A0),
    ...op.get(Y),
    ...op.get(O),
    ...op.i32(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(YA),
    ...op.get(YA),
    ...op.get(YA),
    ...op.f32Load,
    ...op.get(A0),
    ...op.lane(0),
    ...op.f32Add,
    ...op.get(A0),
    ...op.lane(1),
    ...op.f32Add,
    ...op.get(A0),
    ...op.lane(2),
    ...op.f32Add,
    ...op.get(A0),
    ...op.lane(3),
    ...op.f32Add,
    ...op.f32Store,
    ...op.get(O),
    ...op.i32(1),
    ...op.i32Add,
    ...op.set(O),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const code = [...leb(body.length), ...body];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [0x02, ...name('mem'), 0x02, 0x00, ...name('matvec'), 0x00, 0x00]),
    ...section(10, [0x01, ...code]),
  ]);
}

/** Unsigned LEB128. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function jsMatvec(w: Float32Array, x: Float32Array, y: Float32Array, n: number, m: number): void {
  for (let o = 0; o < m; o++) {
    const row = o * n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i += 4) {
      s0 += x[i]! * w[row + i]!;
      s1 += x[i + 1]! * w[row + i + 1]!;
      s2 += x[i + 2]! * w[row + i + 2]!;
      s3 += x[i + 3]! * w[row + i + 3]!;
    }
    y[o] = y[o]! + (s0 + s1 + s2 + s3);
  }
}

/**
 * A matvec over an arena of `bytes` bytes: WebAssembly SIMD when available (and `simd` is not false), else JS.
 */
export function createMatvec(bytes: number, options: { simd?: boolean } = {}): MatvecKernel {
  const wasm = moduleBytes();
  const api = wasmApi();
  if (options.simd !== false && api?.validate(wasm)) {
    const instance = new api.Instance(new api.Module(wasm));
    const mem = instance.exports['mem'] as WasmMemory;
    const need = Math.ceil(bytes / 65536) - mem.buffer.byteLength / 65536;
    if (need > 0) mem.grow(need);
    const f = instance.exports['matvec'] as (w: number, x: number, y: number, n: number, m: number) => void;
    return { buffer: mem.buffer, simd: true, matvec: (w, x, y, n, m) => f(w.byteOffset, x.byteOffset, y.byteOffset, n, m) };
  }
  return { buffer: new ArrayBuffer(bytes), simd: false, matvec: jsMatvec };
}

// The little of the WebAssembly API used here: the project's TypeScript libs
// (ES2023, no DOM) do not declare it, though Node, Electron and browsers have it.
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}
