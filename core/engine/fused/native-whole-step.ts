// What the whole native training steps share (native-recurrent-step.ts,
// native-tcn-step.ts, native-gcnn-step.ts, native-wavenet-step.ts): the checks every one of them makes before it takes a
// run, and the arena. Parameters, gradients and both Adam moments live in one
// Float32Array [ parameters P | gradients P | m P | v P ] handed to the addon
// at every step and never reallocated, each part in the model's checkpoint
// order. TF.js sees the parameters through the model's variables, which are
// assigned the arena's parameter part after every applied step (one copy of P
// floats), so evaluation, sampling, checkpoints and export read current values
// without knowing which step ran; checkpoints read the moments here.
// Every step takes every task the TF.js reference takes: token ids or float
// features in, a categorical, bernoulli or regression read-out out, with or
// without a mask (the window of native-binding.ts StepWindowArgs).
import * as tf from '@tensorflow/tfjs';
import type { ModelState } from '../../ml/models/sequence-model.ts';
import type { Batch } from '../../ml/tasks/task-types.ts';
import type { OptimizerSnapshot } from '../../ml/train/optimizer.ts';
import type { StepOutcome, TrainStepRunner, TrainStepSetup } from '../../ml/train/train-step.ts';
import { OUTPUT_CODES, type StatelessStep, type StepOptimizerArgs, type StepWindowArgs, type WholeStepResult } from './native-binding.ts';

/** A parameter's name and element count, in the arena's order. */
export interface ArenaEntry {
  name: string;
  size: number;
}

/**
 * Why a whole native step cannot take `setup` whatever the model (env switch, layout), or null. Any task
 * qualifies (inputs, output kind and mask are the window's), so a model whose input or read-out widths
 * differ from the step's session shows up here as a layout mismatch. A
 * constrained model qualifies: run() projects it after the native update and reads the projection back.
 * Dropout is each step's own affair (every one applies it, with the addon's masks).
 */
export function wholeStepRefusal(setup: TrainStepSetup, layout: ArenaEntry[]): string | null {
  if (process.env['SEQLAB_NATIVE_STEP'] === '0') return 'disabled by SEQLAB_NATIVE_STEP=0';
  // Episodic tasks (copy memory, the adding problem, piano rolls) qualify: the trainer hands a recurrent step a zero state
  // for every batch.
  const vars = setup.model.variables;
  if (vars.length !== layout.length || vars.some((v, i) => v.name !== layout[i]!.name || v.variable.size !== layout[i]!.size))
    return 'parameters not in the layout of the native step';
  return null;
}

/** The addon's optimiser codes. */
const OPTIMIZERS = { adam: 0, sgd: 1 } as const;
// Adam's constants, as core/ml/train/optimizer.ts (PyTorch's defaults).
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export abstract class NativeWholeStep implements TrainStepRunner {
  abstract readonly path: string;
  /** [parameters P | gradients P | Adam m P | Adam v P]. */
  protected readonly arena: Float32Array;
  private readonly offsets: number[] = [];
  /** Completed updates (Adam's t). */
  private step = 0;

  /** @param P floats of one arena part, as the addon's session counts them */
  protected constructor(
    protected readonly setup: TrainStepSetup,
    private readonly P: number,
  ) {
    this.arena = new Float32Array(4 * P);
    let at = 0;
    for (const { variable } of setup.model.variables) {
      this.offsets.push(at);
      at += variable.size;
    }
    if (at !== P) throw new Error(`native train step: the model has ${at} parameters, the native layout ${P}`);
    this.loadParameters();
  }

  /** The addon's view of `batch`: inputs, targets, the task's output code and the mask (StepWindowArgs). */
  protected window(batch: Batch): StepWindowArgs {
    return [batch.inputs, batch.targets, OUTPUT_CODES[this.setup.data.output], batch.mask];
  }

  /** One native call on `batch` with the optimiser's arguments; may return the state after the window. */
  protected abstract runNative(
    batch: Batch,
    state: ModelState,
    optimizer: StepOptimizerArgs,
  ): { result: WholeStepResult; state: ModelState };

  /**
   * The seed of this step's dropout masks: one draw from the run's generator, and only with dropout, so a
   * run without it leaves the generator as the TF.js step does and a restored generator resumes bit-for-bit.
   */
  protected dropoutSeed(rate: number): number {
    return rate > 0 ? this.setup.rng.seed() : 0;
  }

  async run(batch: Batch, state: ModelState, lr: number): Promise<StepOutcome> {
    const t = this.step + 1;
    const stepSize = (lr * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
    const args: StepOptimizerArgs = [OPTIMIZERS[this.setup.optimizer], lr, BETA1, BETA2, EPSILON, stepSize, this.setup.clip];
    const { result, state: next } = this.runNative(batch, state, args);
    const [loss, norm, applied] = result;
    if (applied) {
      this.step++;
      this.syncVariables();
      await this.constrain();
    }
    return { loss, norm, applied, state: next };
  }

  // Synchronous reads are safe here: install-fused.ts registers the native steps only for the wasm and cpu backends
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

  /**
   * A constrained model (a stable RNN's spectral bound, the stable LSTM's gate norms) is projected by its own
   * TF.js code on the variables just assigned, and the projection is read back into the arena, so the next
   * native step starts from the feasible parameters, as the TF.js step does.
   */
  private async constrain(): Promise<void> {
    if (!this.setup.model.constrain) return;
    await this.setup.model.constrain();
    this.loadParameters();
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

/**
 * A whole step of a model with no state between windows (TCN, GCNN, WaveNet): one call of its binding per
 * step, with the config's dropout and this step's seed.
 */
export abstract class NativeStatelessStep extends NativeWholeStep {
  private readonly session: unknown;

  /**
   * @param opened the binding's session and P, from its xxxStepSession
   * @param call the binding's step (e.g. native.tcnStep), bound to the addon
   */
  protected constructor(
    setup: TrainStepSetup,
    opened: [session: unknown, P: number],
    private readonly call: StatelessStep,
  ) {
    super(setup, opened[1]);
    this.session = opened[0];
  }

  protected runNative(batch: Batch, _state: ModelState, optimizer: StepOptimizerArgs): { result: WholeStepResult; state: ModelState } {
    const [B, T] = batch.inputShape as [number, number];
    const dropout = this.setup.model.config.dropout;
    const seed = this.dropoutSeed(dropout);
    const result = this.call(this.session, B, T, ...this.window(batch), this.arena, dropout, seed, ...optimizer);
    return { result, state: null };
  }
}
