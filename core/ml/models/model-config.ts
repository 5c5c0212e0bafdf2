// Typed model configurations with defaults, discriminated by `kind`. Strict:
// an unknown field is refused by name, never silently dropped (issue 17).
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

/** Fields every model has: the input and output widths and the input projection. */
const common = {
  /**
   * Output width, set from the dataset's task: the classes of a categorical
   * output (text tokens, mu-law levels, copy-memory symbols), the pitches of a
   * piano roll (88 Bernoulli outputs) or the values of a regression (1 for the
   * adding problem). With token input (inputFeatures 0) it is also the input alphabet.
   */
  vocabSize: int('vocabSize', 1, 65536),
  /** 0: the model reads token ids (one-hot · W); > 0: float feature vectors of this width (x · W). */
  inputFeatures: int('inputFeatures', 0, 65536).default(0),
  /** Width of the input projection (one-hot · W + b), as in shared/bench/torch_ref.py. */
  embedSize: int('embedSize', 1, 4096).default(32),
};

/** Fields of every stacked recurrent model (rnn, lstm, gru). */
const stacked = {
  hiddenSize: int('hiddenSize', 1, 4096).default(128),
  layers: int('layers', 1, 8).default(1),
  /** Dropout between stacked layers and before the read-out (0 = off). */
  dropout: fraction('dropout', 0.9).default(0),
};

export const lstmConfigSchema = z
  .object({
    kind: z.literal('lstm'),
    ...common,
    ...stacked,
    /**
     * Miller & Hardt's stable LSTM, as their code does it: after every optimiser
     * step each gate's recurrent block is rescaled to a fixed ℓ1 norm per input
     * unit, and the forget bias starts at 10 (see lstm-constraint.ts). Absent = off.
     */
    stabilize: z.boolean().optional(),
  })
  .strict();

/** Vanilla RNN h_t = tanh(x_t·W + h_{t−1}·U + b). */
export const rnnConfigSchema = z
  .object({
    kind: z.literal('rnn'),
    ...common,
    ...stacked,
    /**
     * λ of the stability constraint ‖U‖₂ ≤ λ on every layer's recurrent matrix,
     * enforced by clipping singular values after every optimiser step; null or
     * absent = unconstrained. λ < 1 makes the model contractive (Miller & Hardt).
     */
    spectralBound: z
      .number({ error: 'spectralBound: must be a number above 0 and at most 10, or null for no bound' })
      .gt(0, { error: 'spectralBound: must be a number above 0 and at most 10, or null for no bound' })
      .max(10, { error: 'spectralBound: must be a number above 0 and at most 10, or null for no bound' })
      .nullable()
      .optional(),
  })
  .strict();

/** GRU in PyTorch's variant (reset gate after the recurrent product; torch.nn.GRU, Keras reset_after). */
export const gruConfigSchema = z
  .object({
    kind: z.literal('gru'),
    ...common,
    ...stacked,
  })
  .strict();

/**
 * The recurrent model inside a truncated one: a recurrent config without the
 * fields every model kind has at its top level (input/output widths, dropout),
 * which the wrapper holds.
 */
const wrapped = { vocabSize: true, inputFeatures: true, embedSize: true, dropout: true } as const;
const recurrentBaseSchema = z.discriminatedUnion('kind', [
  rnnConfigSchema.omit(wrapped),
  lstmConfigSchema.omit(wrapped),
  gruConfigSchema.omit(wrapped),
]);

/**
 * Miller & Hardt's k-truncated model trained as such: output t is the base
 * recurrent model restarted from a zero state k steps back, run over inputs
 * t−k+1 … t. A feed-forward model with context k and the base's parameters.
 */
export const truncatedConfigSchema = z
  .object({
    kind: z.literal('truncated'),
    ...common,
    /** The base model's dropout (between its layers and before the read-out). */
    dropout: fraction('dropout', 0.9).default(0),
    base: recurrentBaseSchema,
    /** Context in steps (the receptive field). */
    k: int('k', 1, 4096),
  })
  .strict();

export const tcnConfigSchema = z
  .object({
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
  })
  .strict();

/**
 * Gated convolutional language model (Dauphin et al. 2017): residual blocks of
 * causal GLU convolutions h = (X*W + b) ⊙ σ(X*V + c). The defaults (4 blocks of
 * 2 convolutions, kernel 4) give a context of 25 steps, the GCNN context the
 * Miller & Hardt blog cites.
 */
export const gcnnConfigSchema = z
  .object({
    kind: z.literal('gcnn'),
    ...common,
    /** Channels of every block (the GLU's output width). */
    hiddenSize: int('hiddenSize', 1, 4096).default(128),
    /** Residual blocks. */
    levels: int('levels', 1, 32).default(4),
    /** GLU convolutions per residual block. */
    convsPerBlock: int('convsPerBlock', 1, 4).default(2),
    kernelSize: int('kernelSize', 2, 16).default(4),
    /** false: dilation 1 everywhere, as in the paper; true: dilation 2^l in block l (context grows exponentially). */
    dilated: z.boolean().default(false),
    /** Dropout after every GLU (0 = off). */
    dropout: fraction('dropout', 0.9).default(0.05),
    /** Weight normalisation of W and V per output channel, as the paper trains it. */
    weightNorm: z.boolean().default(true),
  })
  .strict();

/**
 * WaveNet (van den Oord et al. 2016): input projection, a causal convolution of
 * kernel 2, then `stacks` × `layersPerStack` gated units tanh(W_f*x) ⊙ σ(W_g*x)
 * with dilations 1, 2, …, 2^(layersPerStack−1) per stack, residual and skip
 * 1×1 projections, and ReLU → 1×1 → ReLU → 1×1 over the sum of skips.
 */
export const wavenetConfigSchema = z
  .object({
    kind: z.literal('wavenet'),
    ...common,
    /** Width of the residual stream every layer reads and adds to. */
    residualChannels: int('residualChannels', 1, 4096).default(32),
    /** Width of the gated unit (filter and gate each). */
    dilationChannels: int('dilationChannels', 1, 4096).default(32),
    /** Width of the skip connections and of the output head's hidden layer. */
    skipChannels: int('skipChannels', 1, 4096).default(64),
    stacks: int('stacks', 1, 8).default(2),
    /** Layers per stack; layer i of a stack has dilation 2^i (the paper: 10, up to 512). */
    layersPerStack: int('layersPerStack', 1, 16).default(6),
    kernelSize: int('kernelSize', 2, 8).default(2),
    /** Dropout on each gated unit's output (0 = off; the paper has none). */
    dropout: fraction('dropout', 0.9).default(0),
  })
  .strict();

export const modelConfigSchema = z.discriminatedUnion('kind', [
  lstmConfigSchema,
  tcnConfigSchema,
  gcnnConfigSchema,
  wavenetConfigSchema,
  rnnConfigSchema,
  gruConfigSchema,
  truncatedConfigSchema,
]);

export type LstmConfig = z.infer<typeof lstmConfigSchema>;
export type RnnConfig = z.infer<typeof rnnConfigSchema>;
export type GruConfig = z.infer<typeof gruConfigSchema>;
/** Any stacked recurrent config. */
export type RecurrentConfig = RnnConfig | LstmConfig | GruConfig;
export type TruncatedConfig = z.infer<typeof truncatedConfigSchema>;
export type TcnConfig = z.infer<typeof tcnConfigSchema>;
export type GcnnConfig = z.infer<typeof gcnnConfigSchema>;
export type WavenetConfig = z.infer<typeof wavenetConfigSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type ModelKind = ModelConfig['kind'];
export const MODEL_KINDS: readonly ModelKind[] = ['lstm', 'tcn', 'gcnn', 'wavenet', 'rnn', 'gru', 'truncated'];
