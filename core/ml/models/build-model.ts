// The dispatcher from a config to a model. Throws on an unknown kind.
import { Rng } from '../rng.ts';
import { LstmModel } from './lstm-model.ts';
import { modelConfigSchema, type ModelConfig } from './model-config.ts';
import type { SequenceModel } from './sequence-model.ts';
import { TcnModel } from './tcn-model.ts';
import { GcnnModel } from './gcnn-model.ts';
import { WavenetModel } from './wavenet-model.ts';
import { GruModel } from './gru-model.ts';
import { RnnModel } from './rnn-model.ts';
import { TruncatedModel } from './truncated-model.ts';

/**
 * Builds a model with weights drawn from `seed` (or from an existing generator).
 * The config is validated (and defaults filled) first.
 */
export function buildModel(config: ModelConfig, seedOrRng: number | Rng): SequenceModel {
  const parsed = modelConfigSchema.parse(config);
  const rng = typeof seedOrRng === 'number' ? new Rng(seedOrRng) : seedOrRng;
  switch (parsed.kind) {
    case 'lstm':
      return new LstmModel(parsed, rng);
    case 'tcn':
      return new TcnModel(parsed, rng);
    case 'gcnn':
      return new GcnnModel(parsed, rng);
    case 'wavenet':
      return new WavenetModel(parsed, rng);
    case 'rnn':
      return new RnnModel(parsed, rng);
    case 'gru':
      return new GruModel(parsed, rng);
    case 'truncated':
      return new TruncatedModel(parsed, rng);
    default: {
      const never: never = parsed;
      throw new Error(`unknown model kind ${(never as { kind: string }).kind}`);
    }
  }
}
