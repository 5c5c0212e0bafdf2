// The whole training step in one native call for the gated convolutional
// model on the CPU backends, on every task (native/src/gcnn-step.cc): input
// projection (token ids or features), every block's GLU convolution units
// (weight norm of each half, dropout, the residual add h + skip, level 0's 1×1
// projection), read-out, the task's loss (categorical, bernoulli or
// regression, masked or not), backward, global-norm clipping and Adam or SGD, over
// the arena of native-whole-step.ts. Covers what core/ml/models/gcnn-model.ts
// builds, dropout included, with the TCN step's masks and their terms
// (native-tcn-step.ts): one seed from the run's generator per step, only when
// dropout > 0, so a run with dropout draws other, equally random masks than
// the TF.js step; runs without dropout match it within rounding.
import type { GcnnConfig } from '../../ml/models/model-config.ts';
import { inputWidth } from '../../ml/models/params.ts';
import type { TrainStepSetup } from '../../ml/train/train-step.ts';
import type { NativeKernels } from './native-binding.ts';
import { type ArenaEntry, NativeStatelessStep, wholeStepRefusal } from './native-whole-step.ts';

/** Levels beyond which a dilated GCNN's dilation 2^level no longer fits the addon's int shifts. */
const MAX_DILATED_LEVELS = 24;

/** Names and sizes of the GCNN's parameters in the arena's order (gcnn-step.h), which is the model's checkpoint order. */
export function gcnnArenaLayout(c: GcnnConfig): ArenaEntry[] {
  const { vocabSize: V, embedSize: E, hiddenSize: H, kernelSize: K } = c;
  const list: ArenaEntry[] = [
    { name: 'input/kernel', size: inputWidth(c) * E },
    { name: 'input/bias', size: E },
  ];
  for (let l = 0; l < c.levels; l++) {
    for (let i = 0; i < c.convsPerBlock; i++) {
      const size = K * (l === 0 && i === 0 ? E : H) * H;
      for (const half of ['linear', 'gate']) {
        const name = `block${l}/conv${i}/${half}`;
        if (c.weightNorm) list.push({ name: `${name}/v`, size }, { name: `${name}/g`, size: H });
        else list.push({ name: `${name}/kernel`, size });
        list.push({ name: `${name}/bias`, size: H });
      }
    }
    if (l === 0 && E !== H) list.push({ name: 'block0/projection/kernel', size: E * H }, { name: 'block0/projection/bias', size: H });
  }
  list.push({ name: 'output/kernel', size: H * V }, { name: 'output/bias', size: V });
  return list;
}

/** Why the GCNN step cannot run `setup` (a GCNN), or null when it can. */
export function gcnnStepRefusal(setup: TrainStepSetup): string | null {
  const c = setup.model.config as GcnnConfig;
  if (c.dilated && c.levels > MAX_DILATED_LEVELS) return `dilated with more than ${MAX_DILATED_LEVELS} levels`;
  return wholeStepRefusal(setup, gcnnArenaLayout(c));
}

export class NativeGcnnStep extends NativeStatelessStep {
  readonly path = 'native-gcnn';

  constructor(native: NativeKernels, setup: TrainStepSetup) {
    const c = setup.model.config as GcnnConfig;
    super(
      setup,
      native.gcnnStepSession(
        c.vocabSize,
        inputWidth(c),
        c.embedSize,
        c.hiddenSize,
        c.levels,
        c.kernelSize,
        c.convsPerBlock,
        c.weightNorm,
        c.dilated,
      ),
      native.gcnnStep.bind(native),
    );
  }
}
