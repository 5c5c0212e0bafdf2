// The whole training step in one native call for the TCN on the CPU backends,
// on every task (native/src/tcn-step.cc): input projection (token ids or
// features), every block's fused convolution units (ReLU, weight norm, the
// residual add, level 0's 1×1 downsample), read-out, the task's loss
// (categorical, bernoulli or regression, masked or not), backward, global-norm clipping
// and Adam or SGD, over the arena of native-whole-step.ts. Covers what
// core/ml/models/tcn-model.ts builds, dropout included: each unit's output
// dropped, then each block's relu(h + skip) unfused, as the model does.
// Its masks are not TF.js's: each step draws one seed from the run's
// generator (setup.rng.seed(), once per step, before the native call, so a
// checkpoint that restores the generator continues bit-for-bit) and the addon
// derives every mask from it by a counter-based hash (tcnDropoutMask), where
// the TF.js step draws one seed per unit and tf.dropout's masks. Reproducing
// TF.js's seeded uniform generator, which runs in JS, would cost more than the
// step itself. So a run with dropout trains the same model with other, equally
// random masks on the native step than on the TF.js step (and another loss
// curve); runs without dropout match it within rounding.
import type { TcnConfig } from '../../ml/models/model-config.ts';
import { inputWidth } from '../../ml/models/params.ts';
import type { TrainStepSetup } from '../../ml/train/train-step.ts';
import type { NativeKernels } from './native-binding.ts';
import { type ArenaEntry, NativeStatelessStep, wholeStepRefusal } from './native-whole-step.ts';

/** Names and sizes of the TCN's parameters in the arena's order (tcn-step.h), which is the model's checkpoint order. */
export function tcnArenaLayout(c: TcnConfig): ArenaEntry[] {
  const { vocabSize: V, embedSize: E, hiddenSize: H, kernelSize: K } = c;
  const list: ArenaEntry[] = [
    { name: 'input/kernel', size: inputWidth(c) * E },
    { name: 'input/bias', size: E },
  ];
  for (let l = 0; l < c.levels; l++) {
    for (let i = 0; i < c.convsPerBlock; i++) {
      const name = `block${l}/conv${i}`;
      const size = K * (l === 0 && i === 0 ? E : H) * H;
      if (c.weightNorm) list.push({ name: `${name}/v`, size }, { name: `${name}/g`, size: H });
      else list.push({ name: `${name}/kernel`, size });
      list.push({ name: `${name}/bias`, size: H });
    }
    if (c.residual && l === 0 && E !== H)
      list.push({ name: 'block0/downsample/kernel', size: E * H }, { name: 'block0/downsample/bias', size: H });
  }
  list.push({ name: 'output/kernel', size: H * V }, { name: 'output/bias', size: V });
  return list;
}

/** Why the TCN step cannot run `setup` (a TCN), or null when it can. */
export function tcnStepRefusal(setup: TrainStepSetup): string | null {
  const c = setup.model.config as TcnConfig;
  return wholeStepRefusal(setup, tcnArenaLayout(c));
}

export class NativeTcnStep extends NativeStatelessStep {
  readonly path = 'native-tcn';

  constructor(native: NativeKernels, setup: TrainStepSetup) {
    const c = setup.model.config as TcnConfig;
    super(
      setup,
      native.tcnStepSession(
        c.vocabSize,
        inputWidth(c),
        c.embedSize,
        c.hiddenSize,
        c.levels,
        c.kernelSize,
        c.convsPerBlock,
        c.weightNorm,
        c.residual,
      ),
      native.tcnStep.bind(native),
    );
  }
}
