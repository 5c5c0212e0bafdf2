// Parameter counts from a config alone, without building the model: the UI
// asks for them on every keystroke of the New-run form, and building a large
// model just to count it would allocate and initialise every weight.
// test/ml/models.test.ts checks these against the built models.
import type { ModelConfig, RecurrentConfig, WavenetConfig } from './model-config.ts';
import { inputWidth } from './params.ts';
import { truncatedBaseConfig } from './truncated-config.ts';

export function countParameters(config: ModelConfig): number {
  // WaveNet has no single hidden width (residual, gate and skip channels): counted on its own.
  if (config.kind === 'wavenet') return countWavenetParameters(config);
  // A truncated model holds exactly its base recurrent model's parameters.
  if (config.kind === 'truncated') return countParameters(truncatedBaseConfig(config));
  const { vocabSize: v, embedSize: e, hiddenSize: h } = config;
  const io = inputWidth(config) * e + e + h * v + v; // input projection + read-out
  switch (config.kind) {
    case 'rnn':
    case 'lstm':
    case 'gru':
      return io + countRecurrentLayers(config);
    case 'tcn': {
      let n = io;
      const k = config.kernelSize;
      for (let l = 0; l < config.levels; l++) {
        for (let c = 0; c < config.convsPerBlock; c++) {
          const cin = l === 0 && c === 0 ? e : h;
          n += k * cin * h + h + (config.weightNorm ? h : 0); // kernel (or v), bias, g
        }
        if (config.residual && l === 0 && e !== h) n += e * h + h; // 1×1 downsample
      }
      return n;
    }
    case 'gcnn': {
      let n = io;
      const k = config.kernelSize;
      for (let l = 0; l < config.levels; l++) {
        for (let c = 0; c < config.convsPerBlock; c++) {
          const cin = l === 0 && c === 0 ? e : h;
          n += 2 * (k * cin * h + h + (config.weightNorm ? h : 0)); // W and V: kernel (or v), bias, g
        }
        if (l === 0 && e !== h) n += e * h + h; // 1×1 residual projection
      }
      return n;
    }
  }
}

/** WaveNet: input projection, causal conv (kernel 2), per layer filter + gate + skip (+ residual but the last), head. */
function countWavenetParameters(config: WavenetConfig): number {
  const { vocabSize: v, embedSize: e, residualChannels: r, dilationChannels: d, skipChannels: s, kernelSize: k } = config;
  const layers = config.stacks * config.layersPerStack;
  const perLayer = 2 * (k * r * d + d) + d * s + s;
  const residual = (layers - 1) * (d * r + r);
  return inputWidth(config) * e + e + 2 * e * r + r + layers * perLayer + residual + s * s + s + s * v + v;
}

/** Stacked recurrent layers: per layer kernel [in, g·h], recurrent kernel [h, g·h] and bias (g gates; GRU keeps two biases as torch.nn.GRU). */
function countRecurrentLayers(config: RecurrentConfig): number {
  const { embedSize: e, hiddenSize: h } = config;
  const gates = { rnn: 1, lstm: 4, gru: 3 }[config.kind];
  const biases = config.kind === 'gru' ? 2 : 1;
  let n = 0;
  for (let l = 0; l < config.layers; l++) n += (l === 0 ? e : h) * gates * h + h * gates * h + biases * gates * h;
  return n;
}
