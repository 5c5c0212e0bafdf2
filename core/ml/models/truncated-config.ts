// Unwrapping a truncated config (model-config.ts) into the full config of its
// recurrent base. Kept apart from truncated-model.ts so that parameter counts
// can use it without importing TF.js models.
import type { RecurrentConfig, TruncatedConfig } from './model-config.ts';

/** The base recurrent config with the wrapper's input/output fields and dropout merged in. */
export function truncatedBaseConfig(config: TruncatedConfig): RecurrentConfig {
  const { vocabSize, inputFeatures, embedSize, dropout } = config;
  return { ...config.base, vocabSize, inputFeatures, embedSize, dropout };
}
