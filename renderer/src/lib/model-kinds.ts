// What the UI says about each model kind and field: names, one-line
// descriptions, recurrent or feed-forward, and a short summary of a config.
// The fields themselves come from the contract (config-fields.ts); a field
// with no entry here still shows, labelled from its key.

export type Family = 'recurrent' | 'feed-forward';

export interface KindInfo {
  name: string;
  family: Family;
  /** One line: what it is. */
  about: string;
}

export const KIND_INFO: Record<string, KindInfo> = {
  rnn: {
    name: 'RNN',
    family: 'recurrent',
    about: 'Vanilla RNN, h = tanh(W h + U x + b): a state over the whole history, with an optional stability bound.',
  },
  lstm: {
    name: 'LSTM',
    family: 'recurrent',
    about: 'Gated recurrent cell (input, forget, cell, output gates); optionally Miller & Hardt’s stable LSTM.',
  },
  gru: { name: 'GRU', family: 'recurrent', about: 'Gated recurrent unit (reset and update gates), PyTorch’s variant: a lighter LSTM.' },
  tcn: {
    name: 'TCN',
    family: 'feed-forward',
    about: 'Temporal convolutional network: residual blocks of causal dilated convolutions (Bai et al. 2018).',
  },
  gcnn: {
    name: 'GCNN',
    family: 'feed-forward',
    about: 'Gated convolutional LM: residual blocks of causal GLU convolutions (Dauphin et al. 2017).',
  },
  wavenet: {
    name: 'WaveNet',
    family: 'feed-forward',
    about: 'Stacks of gated dilated causal convolutions with residual and skip connections (van den Oord et al. 2016).',
  },
  truncated: {
    name: 'Truncated RNN',
    family: 'feed-forward',
    about: 'A recurrent cell restarted from zero k steps back: feed-forward with context k (Miller & Hardt).',
  },
};

export function kindInfo(kind: string): KindInfo {
  return KIND_INFO[kind] ?? { name: kind.toUpperCase(), family: 'feed-forward', about: '' };
}

export const isRecurrentKind = (kind: string): boolean => kindInfo(kind).family === 'recurrent';

interface FieldText {
  label: string;
  help?: string;
}

const FIELD_TEXT: Record<string, FieldText> = {
  embedSize: { label: 'Embed size', help: 'Width of the input projection' },
  hiddenSize: { label: 'Hidden size', help: 'Units per recurrent layer' },
  layers: { label: 'Layers', help: 'Stacked recurrent layers' },
  dropout: { label: 'Dropout', help: '0 = off' },
  levels: { label: 'Levels', help: 'Residual blocks' },
  kernelSize: { label: 'Kernel size' },
  convsPerBlock: { label: 'Convs per block' },
  weightNorm: { label: 'Weight normalisation', help: 'w = g·v/‖v‖ per output channel' },
  residual: { label: 'Residual connections', help: 'Identity (or 1×1) skip around each block' },
  dilated: { label: 'Dilated blocks', help: 'Dilation 2^l in block l; off = dilation 1, as in the paper' },
  residualChannels: { label: 'Residual channels', help: 'Width of the residual stream' },
  dilationChannels: { label: 'Gate channels', help: 'Width of each gated unit (filter and gate)' },
  skipChannels: { label: 'Skip channels', help: 'Width of the skip connections and the output head' },
  stacks: { label: 'Stacks', help: 'Repeats of the dilation cycle' },
  layersPerStack: { label: 'Layers per stack', help: 'Layer i of a stack has dilation 2^i' },
  k: { label: 'Context k', help: 'Steps of input each output sees (the receptive field)' },
  spectralBound: { label: 'Spectral bound λ', help: 'Empty = unconstrained' },
  stabilize: { label: 'Stable LSTM (Miller & Hardt)' },
};

const KIND_FIELD_TEXT: Record<string, Record<string, FieldText>> = {
  tcn: {
    hiddenSize: { label: 'Channels', help: 'Channels of every block' },
    levels: { label: 'Levels', help: 'Residual blocks; block i has dilation 2^i' },
  },
  gcnn: { hiddenSize: { label: 'Channels', help: 'Output width of every GLU' } },
  truncated: { dropout: { label: 'Dropout', help: 'Before the read-out; 0 = off' } },
};

/** "layersPerStack" -> "Layers per stack". */
const fromKey = (key: string) =>
  key
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase()
    .replace(/^./, (c) => c.toUpperCase());

export function fieldText(kind: string, key: string): FieldText {
  return KIND_FIELD_TEXT[kind]?.[key] ?? FIELD_TEXT[key] ?? { label: fromKey(key) };
}

/** What the stability fields do, for the note beside them. */
export const STABILITY_HELP: Record<string, string> = {
  spectralBound:
    'Projected gradient descent: after every step the recurrent matrix’s singular values are clipped at λ, so ‖U‖₂ ≤ λ. With λ < 1 the RNN is contractive (stable): it forgets its distant past and acts like a feed-forward model with finite context. Leave empty for no bound.',
  stabilize:
    'After every step each gate’s recurrent block is rescaled to a fixed ℓ1 norm and the forget bias starts at 10: Miller & Hardt’s sufficient condition for a contractive LSTM.',
};

type Config = Record<string, unknown>;
const n = (v: unknown) => (typeof v === 'number' ? v : '?');
/** "1 stack", "2 stacks". */
const plural = (v: unknown, word: string) => `${n(v)} ${word}${v === 1 ? '' : 's'}`;

/** A short summary of a model config, e.g. "h128 × 2 layers", "GRU h16, k 8". */
export function summarizeModel(model: Config): string {
  const kind = String(model['kind']);
  switch (kind) {
    case 'rnn':
    case 'lstm':
    case 'gru': {
      const layers = Number(model['layers'] ?? 1);
      const extra =
        typeof model['spectralBound'] === 'number' ? `, ‖U‖₂ ≤ ${model['spectralBound']}` : model['stabilize'] ? ', stable' : '';
      return `h${n(model['hiddenSize'])} × ${plural(layers, 'layer')}${extra}`;
    }
    case 'tcn':
      return `${n(model['hiddenSize'])} ch, ${n(model['levels'])} levels, k ${n(model['kernelSize'])}`;
    case 'gcnn':
      return `${n(model['hiddenSize'])} ch, ${n(model['levels'])} blocks × ${n(model['convsPerBlock'])}, k ${n(model['kernelSize'])}${model['dilated'] ? ', dilated' : ''}`;
    case 'wavenet':
      return `${plural(model['stacks'], 'stack')} × ${plural(model['layersPerStack'], 'layer')}, ${n(model['residualChannels'])} residual ch`;
    case 'truncated': {
      const base = (model['base'] ?? {}) as Config;
      return `${kindInfo(String(base['kind'])).name} ${summarizeModel(base)}, k ${n(model['k'])}`;
    }
    default:
      return kind;
  }
}

/** The receptive field as a sentence fragment. */
export function receptiveFieldText(kind: string, receptiveField: number | null): string {
  if (receptiveField !== null) return `${receptiveField.toLocaleString('en-US')} steps`;
  return isRecurrentKind(kind) ? 'unbounded (recurrent)' : '–';
}
