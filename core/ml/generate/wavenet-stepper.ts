// Fast WaveNet generation (Paine et al. 2016, "Fast Wavenet Generation
// Algorithm"): every layer keeps a queue of its past inputs, so a new sample
// costs one step per layer (the k taps x_{t−(k−1)d} … x_t) instead of a pass
// over the whole receptive field.
//
// Why not TF.js ops: one step is ~20 layers × a few 32–64-wide matrix–vector
// products (~160k multiply-adds for the audio shape). TF.js dispatches each op
// for 10–50 µs, so a per-step graph of ~150 ops cannot approach 16,000 steps
// a second. The products run in simd-matvec.ts (WebAssembly SIMD, plain JS
// where that is missing) over float32 weights copied out of the model once,
// each matrix transposed to [out, in] with `in` padded to a multiple of 8;
// the gates and the bookkeeping stay in JS. test/ml/generate.test.ts checks
// this path against the model's own full forward pass (the naive generator),
// logit by logit.
import type { WavenetModel } from '../models/wavenet-model.ts';
import { createMatvec, type Matvec } from './simd-matvec.ts';

/** A dense layer in the arena: wt [out, nPad] (transposed, zero-padded), bias [out]. */
interface DenseT {
  wt: Float32Array;
  b: Float32Array;
  nPad: number;
  out: number;
}

interface LayerWeights {
  dilation: number;
  /** Filter then gate outputs over the k taps (oldest first): [2D, pad(k·R)]. */
  fg: DenseT;
  skip: DenseT;
  residual: DenseT | null;
  /** Ring buffer of the last (k−1)·dilation + 1 inputs, [slots, R]. */
  queue: Float32Array;
  slots: number;
  /** Slot the next input goes to. */
  head: number;
}

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** Bump allocator of 16-byte-aligned float32 views over one buffer. */
class Arena {
  private at = 0;
  constructor(private readonly buffer: ArrayBuffer) {}
  floats(n: number): Float32Array {
    const view = new Float32Array(this.buffer, this.at, n);
    this.at += Math.ceil(n / 4) * 16;
    return view;
  }
}

/** The cached generator of one WavenetModel (token-id input): feed codes one at a time with `step`. */
export class WavenetStepper {
  readonly vocab: number;
  /** True when the products run as WebAssembly SIMD. */
  readonly simd: boolean;
  private readonly matvec: Matvec;
  private readonly R: number;
  private readonly D: number;
  private readonly S: number;
  private readonly k: number;
  /** Embedding + causal input convolution folded into two tables [V, R]: tap t−1, and tap t with the bias. */
  private readonly prevTable: Float32Array;
  private readonly currTable: Float32Array;
  private readonly layers: LayerWeights[];
  /** Σ of every layer's skip bias: where the skip sum starts each step. */
  private readonly skipBias: Float32Array;
  private readonly hidden: DenseT;
  private readonly output: DenseT;
  private prevCode = -1;
  // Vectors in the arena, reused every step; padding entries stay 0.
  private readonly x: Float32Array;
  private readonly taps: Float32Array;
  private readonly gates: Float32Array;
  private readonly z: Float32Array;
  private readonly skipSum: Float32Array;
  private readonly h: Float32Array;
  /** Logits after the last step, [vocab]; overwritten every step. */
  readonly logits: Float32Array;

  /**
   * Reads the model's weights (asynchronously: on webgpu a synchronous read is impossible in Node) and builds the generator.
   * @param options.simd false forces the plain-JS products (tests compare the two)
   */
  static async create(model: WavenetModel, options: { simd?: boolean } = {}): Promise<WavenetStepper> {
    if (model.config.inputFeatures > 0) throw new Error('generate: a WaveNet over feature input cannot be fed its own codes');
    const values = new Map<string, Float32Array>();
    for (const v of model.variables) values.set(v.name, (await v.variable.data()) as Float32Array);
    return new WavenetStepper(model, values, options);
  }

  /** @param values every parameter of `model` by name, as read back (only read here: copied into the arena) */
  private constructor(model: WavenetModel, values: ReadonlyMap<string, Float32Array>, options: { simd?: boolean }) {
    const c = model.config;
    const get = (name: string): Float32Array => {
      const v = values.get(name);
      if (!v) throw new Error(`generate: the model has no parameter "${name}"`);
      return v;
    };
    this.vocab = c.vocabSize;
    const V = c.vocabSize;
    const E = c.embedSize;
    const R = (this.R = c.residualChannels);
    const D = (this.D = c.dilationChannels);
    const S = (this.S = c.skipChannels);
    const k = (this.k = c.kernelSize);

    // Arena size in floats (each view rounded up to 4 floats).
    const f = (n: number) => Math.ceil(n / 4) * 4;
    const dense = (n: number, m: number) => f(m * pad8(n)) + f(m);
    let floats = 2 * f(V * R) + f(S) + dense(S, S) + dense(S, V);
    floats += f(R) + f(pad8(k * R)) + f(2 * D) + f(pad8(D)) + f(pad8(S)) + f(pad8(S)) + f(V);
    for (const l of model.layers) floats += dense(k * R, 2 * D) + dense(D, S) + (l.hasResidual ? dense(D, R) : 0);
    const kernel = createMatvec(floats * 4, options);
    this.simd = kernel.simd;
    this.matvec = kernel.matvec;
    const arena = new Arena(kernel.buffer);

    /** Kernels [n, out] (row-major) stacked on the output axis, transposed and padded into the arena. */
    const stackT = (names: string[], n: number): DenseT => {
      const parts = names.map((name) => ({ w: get(`${name}/kernel`), b: get(`${name}/bias`) }));
      const outs = parts.map((p) => p.b.length);
      const m = outs.reduce((a, b) => a + b, 0);
      const nPad = pad8(n);
      const wt = arena.floats(m * nPad);
      const b = arena.floats(m);
      let o0 = 0;
      parts.forEach((p, j) => {
        const out = outs[j]!;
        for (let o = 0; o < out; o++) {
          b[o0 + o] = p.b[o]!;
          for (let i = 0; i < n; i++) wt[(o0 + o) * nPad + i] = p.w[i * out + o]!;
        }
        o0 += out;
      });
      return { wt, b, nPad, out: m };
    };

    // A code's projection is its row of input/kernel plus the bias; before t = 0 it is 0 (causal padding).
    const inW = get('input/kernel');
    const inB = get('input/bias');
    const cW = get('causal/kernel');
    const cB = get('causal/bias');
    this.prevTable = arena.floats(V * R);
    this.currTable = arena.floats(V * R);
    const e = new Float64Array(E);
    for (let v = 0; v < V; v++) {
      for (let j = 0; j < E; j++) e[j] = inW[v * E + j]! + inB[j]!;
      for (let o = 0; o < R; o++) {
        let prev = 0;
        let curr = cB[o]!;
        for (let j = 0; j < E; j++) {
          prev += e[j]! * cW[j * R + o]!;
          curr += e[j]! * cW[(E + j) * R + o]!;
        }
        this.prevTable[v * R + o] = prev;
        this.currTable[v * R + o] = curr;
      }
    }

    this.skipBias = arena.floats(S);
    this.layers = model.layers.map((l) => {
      const name = `layer${l.index}`;
      const slots = (k - 1) * l.dilation + 1;
      const skip = stackT([`${name}/skip`], D);
      for (let o = 0; o < S; o++) this.skipBias[o] = this.skipBias[o]! + skip.b[o]!;
      return {
        dilation: l.dilation,
        fg: stackT([`${name}/filter`, `${name}/gate`], k * R),
        skip,
        residual: l.hasResidual ? stackT([`${name}/residual`], D) : null,
        queue: new Float32Array(slots * R),
        slots,
        head: 0,
      };
    });
    this.hidden = stackT(['output/hidden'], S);
    this.output = stackT(['output'], S);
    this.x = arena.floats(R);
    this.taps = arena.floats(pad8(k * R));
    this.gates = arena.floats(2 * D);
    this.z = arena.floats(pad8(D));
    this.skipSum = arena.floats(pad8(S));
    this.h = arena.floats(pad8(S));
    this.logits = arena.floats(V);
  }

  /** Forgets every past input (queues back to the zeros of causal padding). */
  reset(): void {
    this.prevCode = -1;
    for (const l of this.layers) {
      l.queue.fill(0);
      l.head = 0;
    }
  }

  /**
   * Feeds code x_t and computes the logits for x_{t+1}.
   * @returns this.logits [vocab]
   */
  step(code: number): Float32Array {
    if (!(Number.isInteger(code) && code >= 0 && code < this.vocab))
      throw new RangeError(`generate: code ${code} is outside [0, ${this.vocab})`);
    const { R, D, S, k, x, taps, gates, z, skipSum, h, matvec } = this;
    const curr = code * R;
    const prev = this.prevCode * R;
    for (let o = 0; o < R; o++) x[o] = this.currTable[curr + o]! + (this.prevCode >= 0 ? this.prevTable[prev + o]! : 0);
    this.prevCode = code;
    skipSum.set(this.skipBias);
    for (const l of this.layers) {
      // Push x_t, then gather taps t−(k−1−j)·d for j = 0..k−1 (oldest first) from the ring.
      const q = l.queue;
      q.set(x, l.head * R);
      for (let j = 0; j < k; j++) {
        const slot = (l.head - (k - 1 - j) * l.dilation + l.slots) % l.slots;
        taps.set(q.subarray(slot * R, slot * R + R), j * R);
      }
      l.head = (l.head + 1) % l.slots;
      gates.set(l.fg.b);
      matvec(l.fg.wt, taps, gates, l.fg.nPad, l.fg.out);
      // tanh(f)·σ(g), with tanh(f) = 2σ(2f) − 1: two exps instead of V8's slower Math.tanh.
      for (let o = 0; o < D; o++) z[o] = (2 / (1 + Math.exp(-2 * gates[o]!)) - 1) / (1 + Math.exp(-gates[D + o]!));
      matvec(l.skip.wt, z, skipSum, l.skip.nPad, S);
      const res = l.residual;
      if (res) {
        for (let o = 0; o < R; o++) x[o] = x[o]! + res.b[o]!;
        matvec(res.wt, z, x, res.nPad, R);
      }
    }
    for (let o = 0; o < S; o++) skipSum[o] = Math.max(0, skipSum[o]!);
    h.set(this.hidden.b);
    matvec(this.hidden.wt, skipSum, h, this.hidden.nPad, S);
    for (let o = 0; o < S; o++) h[o] = Math.max(0, h[o]!);
    this.logits.set(this.output.b);
    matvec(this.output.wt, h, this.logits, this.output.nPad, this.vocab);
    return this.logits;
  }
}
