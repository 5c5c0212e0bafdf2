// The whole training step in one native call for the WaveNet on the CPU
// backends, on every task (native/src/wavenet-step.cc): input projection
// (token ids or features), the causal input convolution, every layer's gated
// unit tanh·σ (dropout, the 1×1 skip and residual projections), the skip
// sum's head ReLU → 1×1 → ReLU, read-out, the task's loss (categorical,
// bernoulli or regression, masked or not), backward, global-norm clipping and Adam or SGD, over
// the arena of native-whole-step.ts. Covers what
// core/ml/models/wavenet-model.ts builds, dropout included, with the TCN
// step's masks (native-tcn-step.ts): one seed from the run's generator per
// step, only when dropout > 0, so a run with dropout draws other, equally
// random masks than the TF.js step; runs without dropout match it within
// rounding. Mu-law audio tasks are token-level LM tasks of 256 classes
// (core/datasets/audio.ts), so they take this step too.
import { WAVENET_INPUT_KERNEL, wavenetLayers } from '../../ml/models/wavenet-model.ts';
import type { WavenetConfig } from '../../ml/models/model-config.ts';
import { inputWidth } from '../../ml/models/params.ts';
import type { TrainStepSetup } from '../../ml/train/train-step.ts';
import type { NativeKernels } from './native-binding.ts';
import { type ArenaEntry, NativeStatelessStep, wholeStepRefusal } from './native-whole-step.ts';

/** Layers per stack beyond which the dilation 2^(layersPerStack − 1) no longer fits the addon's int shifts. */
const MAX_LAYERS_PER_STACK = 24;

/** Names and sizes of the WaveNet's parameters in the arena's order (wavenet-step.h), which is the model's checkpoint order. */
export function wavenetArenaLayout(c: WavenetConfig): ArenaEntry[] {
  const { vocabSize: V, embedSize: E, residualChannels: R, dilationChannels: D, skipChannels: S, kernelSize: K } = c;
  const dense = (name: string, fanIn: number, out: number): ArenaEntry[] => [
    { name: `${name}/kernel`, size: fanIn * out },
    { name: `${name}/bias`, size: out },
  ];
  const list: ArenaEntry[] = [...dense('input', inputWidth(c), E), ...dense('causal', WAVENET_INPUT_KERNEL * E, R)];
  for (const layer of wavenetLayers(c)) {
    const name = `layer${layer.index}`;
    list.push(...dense(`${name}/filter`, K * R, D), ...dense(`${name}/gate`, K * R, D), ...dense(`${name}/skip`, D, S));
    if (layer.hasResidual) list.push(...dense(`${name}/residual`, D, R));
  }
  list.push(...dense('output/hidden', S, S), ...dense('output', S, V));
  return list;
}

/** Why the WaveNet step cannot run `setup` (a WaveNet), or null when it can. */
export function wavenetStepRefusal(setup: TrainStepSetup): string | null {
  const c = setup.model.config as WavenetConfig;
  if (c.layersPerStack > MAX_LAYERS_PER_STACK) return `more than ${MAX_LAYERS_PER_STACK} layers per stack`;
  return wholeStepRefusal(setup, wavenetArenaLayout(c));
}

export class NativeWavenetStep extends NativeStatelessStep {
  readonly path = 'native-wavenet';

  constructor(native: NativeKernels, setup: TrainStepSetup) {
    const c = setup.model.config as WavenetConfig;
    super(
      setup,
      native.wavenetStepSession(
        c.vocabSize,
        inputWidth(c),
        c.embedSize,
        c.residualChannels,
        c.dilationChannels,
        c.skipChannels,
        c.stacks,
        c.layersPerStack,
        c.kernelSize,
      ),
      native.wavenetStep.bind(native),
    );
  }
}
