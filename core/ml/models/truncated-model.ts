// The k-truncated model as a model kind of its own, trained from scratch
// (Miller & Hardt: for a stable base, training it and training the recurrent
// model find nearby weights). Feed-forward by construction: output t sees
// inputs t−k+1 … t and nothing is carried between windows, so the evaluator
// gives it k−1 steps of left context like any convolutional model. It holds
// the base model's parameters under the base's names, so its weights load
// into the recurrent model and back.
import type { SequenceInput } from '../ops/project-input.ts';
import type { Rng } from '../rng.ts';
import { GruModel } from './gru-model.ts';
import { LstmModel } from './lstm-model.ts';
import type { RecurrentConfig, TruncatedConfig } from './model-config.ts';
import type { RecurrentSequenceModel } from './recurrent-model.ts';
import { RnnModel } from './rnn-model.ts';
import { truncatedBaseConfig } from './truncated-config.ts';
import type { ForwardOptions, ForwardResult, SequenceModel } from './sequence-model.ts';
import { truncatedForward } from './truncated.ts';

export function buildRecurrentModel(config: RecurrentConfig, rng: Rng): RecurrentSequenceModel {
  switch (config.kind) {
    case 'rnn':
      return new RnnModel(config, rng);
    case 'lstm':
      return new LstmModel(config, rng);
    case 'gru':
      return new GruModel(config, rng);
  }
}

export class TruncatedModel implements SequenceModel {
  readonly recurrent = false;
  /** The recurrent model whose k-truncation this is. */
  readonly base: RecurrentSequenceModel;
  /** The base's constraint (e.g. a stable RNN's spectral bound), when it has one. */
  readonly constrain?: () => Promise<void>;
  readonly stabilityBound?: () => Promise<number>;

  constructor(
    readonly config: TruncatedConfig,
    rng: Rng,
  ) {
    const base = buildRecurrentModel(truncatedBaseConfig(config), rng);
    this.base = base;
    if (base.constrain) this.constrain = () => base.constrain!();
    if (base.stabilityBound) this.stabilityBound = () => base.stabilityBound!();
  }

  get variables() {
    return this.base.variables;
  }

  initialState(): null {
    return null;
  }

  forward(input: SequenceInput, _state: null, options: ForwardOptions): ForwardResult {
    return { logits: truncatedForward(this.base, input, this.config.k, options), state: null };
  }

  parameterCount(): number {
    return this.base.parameterCount();
  }

  receptiveField(): number {
    return this.config.k;
  }

  dispose(): void {
    this.base.dispose();
  }
}
