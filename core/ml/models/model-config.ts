// Typed model configurations with defaults, discriminated by `kind`.
// One schema serves the CLI, the UI and stored runs: a run's config is parsed
// through it again on load, so a stored run can always be rebuilt.
import { z } from 'zod';

const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name}: must be a whole number from ${min} to ${max}` })
    .int({ error: `${name}: must be a whole number from ${min} to ${max}` })
    .min(min, { error: `${name}: must be a whole number from ${min} to ${max}` })
    .max(max, { error: `${name}: must be a whole number from ${min} to ${max}` });

const fraction = (name: string, max: number) =>
  z
    .number({ error: `${name}: must be a number from 0 to ${max}` })
    .min(0, { error: `${name}: must be a number from 0 to ${max}` })
    .max(max, { error: `${name}: must be a number from 0 to ${max}` });

/** Fields every model has: the symbol alphabet and the input projection. */
const common = {
  /** Number of distinct tokens (set from the dataset). */
  vocabSize: int('vocabSize', 2, 65536),
  /** Width of the input projection (one-hot · W + b), as in shared/bench/torch_ref.py. */
  embedSize: int('embedSize', 1, 4096).default(32),
};

export const lstmConfigSchema = z.object({
  kind: z.literal('lstm'),
  ...common,
  hiddenSize: int('hiddenSize', 1, 4096).default(128),
  layers: int('layers', 1, 8).default(1),
  /** Dropout between stacked layers and before the read-out (0 = off). */
  dropout: fraction('dropout', 0.9).default(0),
});

export const tcnConfigSchema = z.object({
  kind: z.literal('tcn'),
  ...common,
  /** Channels of every block. */
  hiddenSize: int('hiddenSize', 1, 4096).default(128),
  /** Residual blocks; block i uses dilation 2^i. */
  levels: int('levels', 1, 16).default(4),
  kernelSize: int('kernelSize', 2, 16).default(3),
  dropout: fraction('dropout', 0.9).default(0.05),
  /** Convolutions per block: 2 in locuslab/TCN; 1 gives the plain stack of the benchmark. */
  convsPerBlock: int('convsPerBlock', 1, 2).default(2),
  /** Weight normalisation w = g·v/‖v‖ per output channel (Salimans & Kingma 2016). */
  weightNorm: z.boolean().default(true),
  /** Residual connection around each block (1×1 convolution when widths differ). */
  residual: z.boolean().default(true),
});

export const modelConfigSchema = z.discriminatedUnion('kind', [lstmConfigSchema, tcnConfigSchema]);

export type LstmConfig = z.infer<typeof lstmConfigSchema>;
export type TcnConfig = z.infer<typeof tcnConfigSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type ModelKind = ModelConfig['kind'];
export const MODEL_KINDS: readonly ModelKind[] = ['lstm', 'tcn'];
