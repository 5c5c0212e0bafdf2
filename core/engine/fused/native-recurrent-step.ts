// The whole training step in one native call for the recurrent models (rnn,
// lstm, gru) on the CPU backends, on every task: input projection (token ids
// or features), layers, read-out, the task's loss (categorical, bernoulli or
// regression, masked or not), backward, global-norm clipping and Adam or SGD
// over every parameter (native/src/train-step.cc), over the arena of
// native-whole-step.ts. The state crosses in and out at every window.
// Dropout is where stacked-recurrent.ts puts it: on each layer's output
// sequence, before the layer above and before the read-out (the layer's state
// for the next window is taken before it). As in native-tcn-step.ts its masks
// are the addon's (tcnDropoutMask, unit = layer index), not TF.js's: one seed
// per step from the run's generator (setup.rng.seed(), before the native
// call, so a checkpoint that restores the generator continues bit-for-bit),
// where the TF.js step draws one seed per layer. Same model, other equally
// random masks, so another loss curve than the TF.js step's with dropout.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../ml/models/model-config.ts';
import { inputWidth } from '../../ml/models/params.ts';
import type { ModelState } from '../../ml/models/sequence-model.ts';
import type { Batch } from '../../ml/tasks/task-types.ts';
import type { TrainStepSetup } from '../../ml/train/train-step.ts';
import type { NativeKernels, StepOptimizerArgs, WholeStepResult } from './native-binding.ts';
import { type ArenaEntry, NativeWholeStep, wholeStepRefusal } from './native-whole-step.ts';

/** The addon's cell codes (train-step.h). */
const CELLS: Record<string, number> = { rnn: 0, lstm: 1, gru: 2 };

type Recurrent = Extract<ModelConfig, { kind: 'rnn' | 'lstm' | 'gru' }>;

/** True for the kinds this step covers. */
export const isRecurrentKind = (kind: string): boolean => kind in CELLS;

/** Names and sizes of the parameters in the arena's order (train-step.h), which is the model's checkpoint order. */
export function recurrentArenaLayout(c: Recurrent): ArenaEntry[] {
  const G = c.kind === 'lstm' ? 4 * c.hiddenSize : c.kind === 'gru' ? 3 * c.hiddenSize : c.hiddenSize;
  const bias = c.kind === 'gru' ? 2 * G : G;
  const list = [
    { name: 'input/kernel', size: inputWidth(c) * c.embedSize },
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

/** Why the recurrent step cannot run `setup` (a recurrent kind), or null when it can. */
export function recurrentStepRefusal(setup: TrainStepSetup): string | null {
  const c = setup.model.config as Recurrent;
  return wholeStepRefusal(setup, recurrentArenaLayout(c));
}

export class NativeRecurrentStep extends NativeWholeStep {
  readonly path: string = 'native-recurrent';
  private readonly session: unknown;

  /** @param config the recurrent model the step runs: the model's own, or a truncated model's base */
  constructor(
    private readonly native: NativeKernels,
    setup: TrainStepSetup,
    protected readonly config: Recurrent = setup.model.config as Recurrent,
  ) {
    const c = config;
    const [session, P] = native.trainStepSession(CELLS[c.kind]!, c.vocabSize, inputWidth(c), c.embedSize, c.hiddenSize, c.layers);
    super(setup, P);
    this.session = session;
  }

  /** Floats of the state of `rows` sequences: [layers · states per layer, rows, H]. */
  protected stateSize(rows: number): number {
    return this.config.layers * (this.config.kind === 'lstm' ? 2 : 1) * rows * this.config.hiddenSize;
  }

  /** One native step on `batch` from `stateIn` (stateSize(B) floats), which it overwrites with the state after the window. */
  protected stepOn(batch: Batch, stateIn: Float32Array, optimizer: StepOptimizerArgs): WholeStepResult {
    const [B, T] = batch.inputShape as [number, number];
    const seed = this.dropoutSeed(this.config.dropout);
    return this.native.trainStep(this.session, B, T, ...this.window(batch), stateIn, this.arena, this.config.dropout, seed, ...optimizer);
  }

  protected runNative(batch: Batch, state: ModelState, optimizer: StepOptimizerArgs): { result: WholeStepResult; state: ModelState } {
    const B = batch.inputShape[0]!;
    const H = this.config.hiddenSize;
    const stateIn = new Float32Array(this.stateSize(B));
    state?.forEach((s, i) => stateIn.set(s.dataSync() as Float32Array, i * B * H));
    const result = this.stepOn(batch, stateIn, optimizer);
    const next: tf.Tensor2D[] = [];
    for (let i = 0; i < stateIn.length / (B * H); i++) next.push(tf.tensor2d(stateIn.slice(i * B * H, (i + 1) * B * H), [B, H]));
    return { result, state: next };
  }
}
