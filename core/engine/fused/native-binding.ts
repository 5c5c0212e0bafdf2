// Loads the fused CPU kernels (a Node-API addon built from core/engine/native
// by scripts/build-native.mjs). Loading is environment work — a file, a
// native library — so it lives in core/engine; absence is normal (no
// compiler on the machine, SEQLAB_NATIVE=0) and only means the stock TF.js
// kernels run.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type F32 = Float32Array;

/** The addon's codes of a task's output kind (native/src/step-common.h OutputKind). */
export const OUTPUT_CODES = { categorical: 0, bernoulli: 1, regression: 2 } as const;

/**
 * A step's window of B·T positions, the same for every whole native step:
 * - inputs: token ids Int32Array [B·T] in [0, I), or features Float32Array [B·T·I] (I: the session's input width);
 * - targets: class ids Int32Array [B·T] in [0, V) when output is 0 (categorical), else Float32Array [B·T·V];
 * - output: OUTPUT_CODES' code of the task's output kind (how the loss reads the V read-out units);
 * - mask: each position's weight Float32Array [B·T], or null to score every position alike.
 */
export type StepWindowArgs = [inputs: Int32Array | F32, targets: Int32Array | F32, output: number, mask: F32 | null];

/**
 * One whole step of a model that carries no state between windows (the TCN, GCNN and WaveNet bindings):
 * a window of B rows of T positions (StepWindowArgs) over `arena`, dropout at `rate` with the masks of
 * `seed` (a whole number below 2^53; tcnDropoutMask), then the optimiser's arguments.
 */
export type StatelessStep = (
  session: unknown,
  B: number,
  T: number,
  inputs: Int32Array | F32,
  targets: Int32Array | F32,
  output: number,
  mask: F32 | null,
  arena: F32,
  dropout: number,
  seed: number,
  ...optimizer: StepOptimizerArgs
) => WholeStepResult;

/**
 * What every whole native step takes after its arena: optimizer 0 Adam (with beta1, beta2, epsilon and
 * stepSize), 1 SGD (with lr) or 2 none (gradients only), and the global-norm bound clip (≤ 0: none).
 */
export type StepOptimizerArgs = [
  optimizer: number,
  lr: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  stepSize: number,
  clip: number,
];

/** A whole native step's outcome: the loss, the gradient norm before clipping, and whether the update was applied (both finite). */
export type WholeStepResult = [loss: number, norm: number, applied: boolean];

/**
 * The addon's functions (core/engine/native/src/addon.cc). Shapes are
 * row-major; every array is checked against them natively. The last hidden
 * state is hs[:, T−1]: no pass takes or returns it separately.
 */
export interface NativeKernels {
  threads(): number;
  /** The vector width the GEMM micro-kernel was compiled for: "avx512", "avx2", "neon", "portable" or "avx2 (portable build)". */
  simd(): string;
  /** C = op(A)·op(B); A is M×K (K×M when transA), B is K×N (N×K when transB). */
  matmul(M: number, N: number, K: number, A: F32, transA: boolean, B: F32, transB: boolean): [F32];
  lstmForward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: F32,
    W: F32,
    U: F32,
    b: F32,
    h0: F32,
    c0: F32,
  ): [hs: F32, cT: F32, gates: F32, cs: F32];
  lstmBackward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: F32,
    W: F32,
    U: F32,
    h0: F32,
    c0: F32,
    gates: F32,
    cs: F32,
    hs: F32,
    dhs: F32,
    dcT: F32,
  ): [dx: F32, dW: F32, dU: F32, db: F32, dh0: F32, dc0: F32];
  gruForward(B: number, T: number, I: number, H: number, x: F32, W: F32, U: F32, bias: F32, h0: F32): [hs: F32, cache: F32];
  gruBackward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: F32,
    W: F32,
    U: F32,
    h0: F32,
    hs: F32,
    cache: F32,
    dhs: F32,
  ): [dx: F32, dW: F32, dU: F32, dbias: F32, dh0: F32];
  rnnForward(B: number, T: number, I: number, H: number, x: F32, W: F32, U: F32, b: F32, h0: F32): [hs: F32];
  rnnBackward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: F32,
    W: F32,
    U: F32,
    h0: F32,
    hs: F32,
    dhs: F32,
  ): [dx: F32, dW: F32, dU: F32, db: F32, dh0: F32];
  convForward(B: number, T: number, Cin: number, Cout: number, K: number, D: number, x: F32, w: F32, bias: F32): [y: F32];
  convBackward(
    B: number,
    T: number,
    Cin: number,
    Cout: number,
    K: number,
    D: number,
    x: F32,
    w: F32,
    dy: F32,
  ): [dx: F32, dw: F32, dbias: F32];
  /**
   * A causal convolution with its unit's activation fused in (native/src/conv_unit.cc):
   * activation 0 relu (with skip: relu(relu(z) + skip)), 1 GLU, 2 tanh·σ gate; the
   * gated ones output Cout/2 columns. g (weight norm, w then holds v), skip and z
   * are empty Float32Arrays when absent; z (the pre-activation) is kept only where
   * the backward pass needs it.
   */
  convUnitForward(
    B: number,
    T: number,
    Cin: number,
    Cout: number,
    K: number,
    D: number,
    activation: number,
    x: F32,
    w: F32,
    g: F32,
    bias: F32,
    skip: F32,
  ): [out: F32, z: F32];
  /** Its backward pass; dw is ∂/∂v under weight norm; dg and dskip are empty when g or the skip was absent. */
  convUnitBackward(
    B: number,
    T: number,
    Cin: number,
    Cout: number,
    K: number,
    D: number,
    activation: number,
    x: F32,
    w: F32,
    g: F32,
    hasSkip: boolean,
    z: F32,
    out: F32,
    dout: F32,
  ): [dx: F32, dw: F32, dg: F32, dbias: F32, dskip: F32];
  /** Mean softmax cross-entropy of rows × V logits against Int32 targets in [0, V), and its gradient [rows, V]. */
  softmaxCrossEntropy(rows: number, V: number, logits: F32, targets: Int32Array): [loss: F32, grad: F32];
  /** Adam in place: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − stepSize·m/(√v + ε). All four the same length, disjoint. */
  adamUpdate(w: F32, m: F32, v: F32, g: F32, beta1: number, beta2: number, epsilon: number, stepSize: number): void;
  /** SGD in place: w ← w − g·lr. */
  sgdUpdate(w: F32, g: F32, lr: number): void;
  /** Σ x², accumulated in double. */
  sumOfSquares(x: F32): number;
  /**
   * A workspace for whole training steps of a recurrent model (cell 0 rnn, 1 lstm, 2 gru; V output
   * units, I input width (the vocabulary for token ids, else the feature width), embedding, hidden
   * width, layers), and P, the floats of one part of its arena (native/src/train-step.h).
   */
  trainStepSession(cell: number, V: number, I: number, E: number, H: number, L: number): [session: unknown, P: number];
  /**
   * One whole step on a window (StepWindowArgs): forward, loss, backward, global-norm clipping and the update over arena
   * [params | grads | m | v] in place. `state` [layers·states, B, H] is read and overwritten with the
   * state after the window. With `dropout` in (0, 1) every layer's output sequence is dropped, where
   * it feeds the layer above or the read-out, by the masks tcnDropoutMask gives for `seed` (unit =
   * layer index); 0 trains without dropout.
   */
  trainStep(
    session: unknown,
    B: number,
    T: number,
    inputs: Int32Array | F32,
    targets: Int32Array | F32,
    output: number,
    mask: F32 | null,
    state: F32,
    arena: F32,
    dropout: number,
    seed: number,
    ...optimizer: StepOptimizerArgs
  ): WholeStepResult;
  /**
   * A workspace for whole training steps of a TCN (native/src/tcn-step.h; V output units, I input
   * width as trainStepSession's), and P, the floats of one part of its arena.
   */
  tcnStepSession(
    V: number,
    I: number,
    E: number,
    H: number,
    levels: number,
    K: number,
    convsPerBlock: number,
    weightNorm: boolean,
    residual: boolean,
  ): [session: unknown, P: number];
  /**
   * One whole TCN step, as trainStep without a state (a TCN carries none between windows). With
   * `dropout` in (0, 1) every convolution unit's output is dropped by the masks `seed` (a whole
   * number below 2^53) gives (tcnDropoutMask); 0 trains without dropout.
   */
  tcnStep: StatelessStep;
  /**
   * A workspace for whole training steps of a gated convolutional model (native/src/gcnn-step.h; V, I
   * as tcnStepSession's), and P, the floats of one part of its arena.
   */
  gcnnStepSession(
    V: number,
    I: number,
    E: number,
    H: number,
    levels: number,
    K: number,
    convsPerBlock: number,
    weightNorm: boolean,
    dilated: boolean,
  ): [session: unknown, P: number];
  /**
   * One whole GCNN step, as tcnStep: with `dropout` in (0, 1) every GLU's output is dropped by the
   * masks tcnDropoutMask gives for `seed` (unit level·convsPerBlock + c); 0 trains without dropout.
   */
  gcnnStep: StatelessStep;
  /**
   * A workspace for whole training steps of a WaveNet (native/src/wavenet-step.h; V, I as
   * tcnStepSession's), and P, the floats of one part of its arena. R, D, S: residual, dilation and skip channels.
   */
  wavenetStepSession(
    V: number,
    I: number,
    E: number,
    R: number,
    D: number,
    S: number,
    stacks: number,
    layersPerStack: number,
    K: number,
  ): [session: unknown, P: number];
  /**
   * One whole WaveNet step, as tcnStep: with `dropout` in (0, 1) every gated unit's output is dropped
   * by the masks tcnDropoutMask gives for `seed` (unit = layer index); 0 trains without dropout.
   */
  wavenetStep: StatelessStep;
  /**
   * The dropout multipliers (0 or 1/(1 − rate)) tcnStep, gcnnStep, wavenetStep and trainStep with `seed`
   * and `rate` apply to the first n outputs ([B·T, H] row-major) of convolution `unit`
   * (level·convsPerBlock + c; WaveNet and the recurrent models: the layer's index): for tests.
   */
  tcnDropoutMask(seed: number, unit: number, n: number, rate: number): Float32Array;
  /**
   * 1 when the whole-step bindings take a window (StepWindowArgs) and their sessions the input width; an
   * older addon, whose steps took token ids and class targets alone, lacks it.
   */
  stepWindow?: number;
}

/**
 * Not kernels: the addon's redirection of file descriptor 2, for what native
 * libraries (Dawn, GPU drivers) print from C++. Process-wide; overlapping
 * captures share one (the last stop gets the text).
 */
export interface StderrCapture {
  /** Points fd 2 at a temporary file. */
  captureStderrStart(): void;
  /** Points fd 2 back; returns what was written since the start (its last 64 KiB). */
  captureStderrStop(): string;
}

export type NativeLoad = { kernels: NativeKernels; path: string } | { kernels: null; reason: string };

const ADDON_NAME = 'seqlab_kernels.node';

/** Where the addon may be: $SEQLAB_NATIVE_KERNELS, beside the sources, or (bundled app) beside the running script. */
function candidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const list = [path.resolve(here, '../native/build', ADDON_NAME), path.resolve(here, 'native', ADDON_NAME)];
  if (process.env['SEQLAB_NATIVE_KERNELS']) list.unshift(process.env['SEQLAB_NATIVE_KERNELS']);
  return list;
}

let cached: NativeLoad | undefined;

/**
 * The addon's stderr capture, or null when the addon is not built (or predates
 * it). Independent of SEQLAB_NATIVE, which turns off the fused kernels only.
 */
export function loadStderrCapture(): StderrCapture | null {
  const found = candidates().find((p) => fs.existsSync(p));
  if (!found) return null;
  try {
    const addon = createRequire(import.meta.url)(found) as Partial<StderrCapture>;
    return typeof addon.captureStderrStart === 'function' && typeof addon.captureStderrStop === 'function'
      ? (addon as StderrCapture)
      : null;
  } catch {
    return null;
  }
}

/** The addon, loaded once per thread; `reason` says why not when it is missing. */
export function loadNativeKernels(): NativeLoad {
  if (cached) return cached;
  if (process.env['SEQLAB_NATIVE'] === '0') return (cached = { kernels: null, reason: 'disabled by SEQLAB_NATIVE=0' });
  const found = candidates().find((p) => fs.existsSync(p));
  if (!found) return (cached = { kernels: null, reason: `not built (run "node scripts/build-native.mjs"; needs a C++ compiler)` });
  try {
    const kernels = createRequire(import.meta.url)(found) as NativeKernels;
    return (cached = { kernels, path: found });
  } catch (e) {
    return (cached = { kernels: null, reason: `${found} failed to load: ${(e as Error).message}` });
  }
}
