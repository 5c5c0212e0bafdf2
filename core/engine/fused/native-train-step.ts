// The whole training step in one native call for the token-level recurrent
// language models (rnn, lstm, gru) on the CPU backends: embedding, layers,
// read-out, softmax cross-entropy, backward, global-norm clipping and Adam or
// SGD over every parameter (native/src/train-step.cc). Parameters, gradients
// and both moments live in one Float32Array arena handed to the addon at every
// step and never reallocated; TF.js sees the parameters through the model's
// variables, which are assigned copies of the arena's parameter part after
// every applied step (one copy of P floats, so evaluation, sampling,
// checkpoints and export read current values without knowing this path ran).
// Everything else (dropout, constrained models, feature inputs, masked or
// non-categorical tasks, other model kinds) runs the TF.js reference step.
import * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../ml/engine/kernel-registry.ts';
import type { ModelConfig } from '../../ml/models/model-config.ts';
import type { ModelState } from '../../ml/models/sequence-model.ts';
import type { Batch } from '../../ml/tasks/task-types.ts';
import type { OptimizerSnapshot } from '../../ml/train/optimizer.ts';
import type { StepOutcome, TrainStepRunner, TrainStepSetup } from '../../ml/train/train-step.ts';
import type { NativeKernels } from './native-binding.ts';

/** The addon's cell codes (train-step.h). */
const CELLS: Record<string, number> = { rnn: 0, lstm: 1, gru: 2 };
/** The addon's optimiser codes. */
const OPTIMIZERS = { adam: 0, sgd: 1 } as const;
// Adam's constants, as core/ml/train/optimizer.ts (PyTorch's defaults).
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

type Recurrent = Extract<ModelConfig, { kind: 'rnn' | 'lstm' | 'gru' }>;

/** Names and sizes of the parameters in the arena's order (train-step.h), which is the model's checkpoint order. */
export function recurrentArenaLayout(c: Recurrent): { name: string; size: number }[] {
  const G = c.kind === 'lstm' ? 4 * c.hiddenSize : c.kind === 'gru' ? 3 * c.hiddenSize : c.hiddenSize;
  const bias = c.kind === 'gru' ? 2 * G : G;
  const list = [
    { name: 'input/kernel', size: c.vocabSize * c.embedSize },
    { name: 'input/bias', size: c.embedSize },
  ];
  for (let l = 0; l < c.layers; l++) {
    list.push(
      { name: `${c.kind}${l}/kernel`, size: (l === 0 ? c.embedSize : c.hiddenSize) * G },
      { name: `${c.kind}${l}/recurrent_kernel`, size: c.hiddenSize * G },
      { name: `${c.kind}${l}/bias`, size: bias },
    );
  }
  list.push({ name: 'output/kernel', size: c.hiddenSize * c.vocabSize }, { name: 'output/bias', size: c.vocabSize });
  return list;
}

/** Why the whole step cannot run natively for `setup`, or null when it can. */
export function nativeStepRefusal(setup: TrainStepSetup): string | null {
  if (process.env['SEQLAB_NATIVE_STEP'] === '0') return 'disabled by SEQLAB_NATIVE_STEP=0';
  const c = setup.model.config;
  if (!(c.kind in CELLS)) return `model kind ${c.kind} (only rnn, lstm and gru)`;
  const r = c as Recurrent;
  if (r.dropout > 0) return 'dropout';
  if (setup.model.constrain) return 'a constrained model (projected after every step)';
  if (r.inputFeatures !== 0 || setup.data.output !== 'categorical' || !setup.data.stateful) return 'not a token-level language-model task';
  const expected = recurrentArenaLayout(r);
  const vars = setup.model.variables;
  if (vars.length !== expected.length || vars.some((v, i) => v.name !== expected[i]!.name || v.variable.size !== expected[i]!.size))
    return 'parameters not in the layout of the native step';
  return null;
}

export class NativeRecurrentStep implements TrainStepRunner {
  readonly path = 'native-recurrent';
  private readonly session: unknown;
  /** [parameters P | gradients P | Adam m P | Adam v P]. */
  private readonly arena: Float32Array;
  private readonly P: number;
  private readonly offsets: number[] = [];
  /** Completed updates (Adam's t). */
  private step = 0;

  constructor(
    private readonly native: NativeKernels,
    private readonly setup: TrainStepSetup,
  ) {
    const c = setup.model.config as Recurrent;
    const [session, P] = native.trainStepSession(CELLS[c.kind]!, c.vocabSize, c.embedSize, c.hiddenSize, c.layers);
    this.session = session;
    this.P = P;
    this.arena = new Float32Array(4 * P);
    let at = 0;
    for (const { variable } of setup.model.variables) {
      this.offsets.push(at);
      at += variable.size;
    }
    if (at !== P) throw new Error(`native train step: the model has ${at} parameters, the native layout ${P}`);
    this.loadParameters();
  }

  // Synchronous reads are safe here: install-fused.ts registers this step only for the wasm and cpu backends
  // (on webgpu in Node dataSync would crash, and that backend keeps the TF.js reference step).
  private loadParameters(): void {
    this.setup.model.variables.forEach(({ variable }, i) => this.arena.set(variable.dataSync() as Float32Array, this.offsets[i]));
  }

  /**
   * Assigns the arena's parameters to the model's variables. The wasm backend
   * copies a new tensor's values into its heap at once, so a view of the arena
   * suffices there; the cpu backend keeps the array it is given, which would
   * then change under a checkpoint with the next step, so it gets a copy.
   */
  private syncVariables(): void {
    const view = tf.getBackend() === 'wasm';
    tf.tidy(() =>
      this.setup.model.variables.forEach(({ variable }, i) => {
        const at = this.offsets[i]!;
        const values = view ? this.arena.subarray(at, at + variable.size) : this.arena.slice(at, at + variable.size);
        variable.assign(tf.tensor(values, variable.shape, 'float32'));
      }),
    );
  }

  async run(batch: Batch, state: ModelState, lr: number): Promise<StepOutcome> {
    const c = this.setup.model.config as Recurrent;
    const [B, T] = batch.inputShape as [number, number];
    if (!(batch.inputs instanceof Int32Array) || !(batch.targets instanceof Int32Array) || batch.mask)
      throw new Error('native train step: expected token ids and class targets without a mask');
    const H = c.hiddenSize;
    const perLayer = c.kind === 'lstm' ? 2 : 1;
    const stateIn = new Float32Array(c.layers * perLayer * B * H);
    state?.forEach((s, i) => stateIn.set(s.dataSync() as Float32Array, i * B * H));
    const t = this.step + 1;
    const stepSize = (lr * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
    const [loss, norm, applied] = this.native.trainStep(
      this.session,
      B,
      T,
      batch.inputs,
      batch.targets,
      stateIn,
      this.arena,
      OPTIMIZERS[this.setup.optimizer],
      lr,
      BETA1,
      BETA2,
      EPSILON,
      stepSize,
      this.setup.clip,
    );
    if (applied) {
      this.step++;
      this.syncVariables();
    }
    const next: tf.Tensor2D[] = [];
    for (let i = 0; i < c.layers * perLayer; i++) next.push(tf.tensor2d(stateIn.slice(i * B * H, (i + 1) * B * H), [B, H]));
    return { loss, norm, applied, state: next };
  }

  /** The gradients of the last step (after clipping), per parameter name: for tests. */
  gradients(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    this.setup.model.variables.forEach(({ name, variable }, i) => {
      const at = this.P + this.offsets[i]!;
      out[name] = this.arena.slice(at, at + variable.size);
    });
    return out;
  }

  async snapshotOptimizer(): Promise<OptimizerSnapshot> {
    const kind = this.setup.optimizer;
    const slots: Record<string, Float32Array> = {};
    // Adam's reference creates its moments at the first update: none before it.
    if (kind === 'adam' && this.step > 0) {
      this.setup.model.variables.forEach(({ name, variable }, i) => {
        const at = this.offsets[i]!;
        slots[`m/${name}`] = this.arena.slice(2 * this.P + at, 2 * this.P + at + variable.size);
        slots[`v/${name}`] = this.arena.slice(3 * this.P + at, 3 * this.P + at + variable.size);
      });
    }
    return { kind, step: this.step, slots };
  }

  restore(snap: OptimizerSnapshot): void {
    if (this.setup.optimizer === 'adam' && snap.kind !== 'adam') throw new Error(`checkpoint optimizer is ${snap.kind}, run uses adam`);
    this.loadParameters();
    this.arena.fill(0, 2 * this.P);
    this.setup.model.variables.forEach(({ name, variable }, i) => {
      for (const [prefix, part] of [
        ['m', 2],
        ['v', 3],
      ] as const) {
        const values = snap.slots[`${prefix}/${name}`];
        if (!values) continue;
        if (values.length !== variable.size)
          throw new Error(`optimizer slot ${prefix}/${name}: ${values.length} values, expected ${variable.size}`);
        this.arena.set(values, part * this.P + this.offsets[i]!);
      }
    });
    this.step = snap.step;
  }

  dispose(): void {
    // The session's workspace is freed with its handle (a Node-API external); the arena with this object.
  }
}

/** The native `trainStep`: the whole step where nativeStepRefusal allows it, else the TF.js reference. */
export function fusedTrainStep(native: NativeKernels) {
  return (setup: TrainStepSetup): TrainStepRunner => {
    if (typeof native.trainStep === 'function' && nativeStepRefusal(setup) === null) return new NativeRecurrentStep(native, setup);
    return (referenceKernel('trainStep') as (s: TrainStepSetup) => TrainStepRunner)(setup);
  };
}
