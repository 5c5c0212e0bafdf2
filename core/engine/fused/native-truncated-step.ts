// The whole training step in one native call for Miller & Hardt's k-truncated
// model (core/ml/models/truncated-model.ts): its batch rewritten as one batch
// of windows of its base (truncated-windows.ts), each row run from a zero
// state and scored only where its output belongs, through the base's
// recurrent step (native-recurrent-step.ts). The arena is the base's
// parameters, which are the truncated model's under the same names. The
// compute is the reference's (k recurrent steps per position); what goes is
// TF.js's autograd over the stacked windows. Dropout and constraints are the
// base's, as in the reference; the dropout masks are the addon's.
import type { TruncatedConfig } from '../../ml/models/model-config.ts';
import { truncatedBaseConfig } from '../../ml/models/truncated-config.ts';
import type { ModelState } from '../../ml/models/sequence-model.ts';
import type { Batch } from '../../ml/tasks/task-types.ts';
import type { TrainStepSetup } from '../../ml/train/train-step.ts';
import type { NativeKernels, StepOptimizerArgs, WholeStepResult } from './native-binding.ts';
import { NativeRecurrentStep, recurrentArenaLayout } from './native-recurrent-step.ts';
import { truncatedWindows } from './truncated-windows.ts';
import { wholeStepRefusal } from './native-whole-step.ts';

/** Why the truncated model's step cannot run `setup` (a truncated model), or null when it can. */
export function truncatedStepRefusal(setup: TrainStepSetup): string | null {
  return wholeStepRefusal(setup, recurrentArenaLayout(truncatedBaseConfig(setup.model.config as TruncatedConfig)));
}

export class NativeTruncatedStep extends NativeRecurrentStep {
  override readonly path = 'native-truncated';
  private readonly k: number;
  /** The zero start state of every window, kept while the batch's shape stays. */
  private zeros = new Float32Array(0);

  constructor(native: NativeKernels, setup: TrainStepSetup) {
    const c = setup.model.config as TruncatedConfig;
    super(native, setup, truncatedBaseConfig(c));
    this.k = c.k;
  }

  protected override runNative(
    batch: Batch,
    _state: ModelState,
    optimizer: StepOptimizerArgs,
  ): { result: WholeStepResult; state: ModelState } {
    const rows = truncatedWindows(batch, this.k);
    const size = this.stateSize(rows.inputShape[0]!);
    if (this.zeros.length !== size) this.zeros = new Float32Array(size);
    else this.zeros.fill(0); // the step wrote the last window's state into it
    return { result: this.stepOn(rows, this.zeros, optimizer), state: null };
  }
}
