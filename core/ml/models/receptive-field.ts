// Receptive field from a config alone (no weights built): how many steps of
// input can influence one output. The evaluator and the run pages need it
// before (or without) building the model.
import type { ModelConfig } from './model-config.ts';
import { gcnnReceptiveField } from './gcnn-model.ts';
import { tcnReceptiveField } from './tcn-model.ts';
import { wavenetReceptiveField } from './wavenet-model.ts';

/** Infinity for recurrent models; k for a truncated one; the span of the convolutions otherwise. */
export function receptiveFieldOfConfig(config: ModelConfig): number {
  switch (config.kind) {
    case 'rnn':
    case 'lstm':
    case 'gru':
      return Infinity;
    case 'truncated':
      return config.k;
    case 'tcn':
      return tcnReceptiveField(config);
    case 'gcnn':
      return gcnnReceptiveField(config);
    case 'wavenet':
      return wavenetReceptiveField(config);
    default: {
      const never: never = config; // a new kind must add its rule here
      throw new Error(`receptiveFieldOfConfig: no rule for model kind "${(never as { kind: string }).kind}"`);
    }
  }
}
