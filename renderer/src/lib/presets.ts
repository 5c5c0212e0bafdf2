// Model presets of the New-run form: a starting point, each field still editable.
import type { ModelKind } from './config-fields.ts';

export interface ModelPreset {
  id: string;
  label: string;
  kind: ModelKind;
  values: Record<string, number | boolean>;
}

export const MODEL_PRESETS: ModelPreset[] = [
  { id: 'lstm-small', label: 'LSTM small (h128)', kind: 'lstm', values: { hiddenSize: 128, embedSize: 32, layers: 1, dropout: 0 } },
  { id: 'lstm-2x256', label: 'LSTM 2×256', kind: 'lstm', values: { hiddenSize: 256, embedSize: 64, layers: 2, dropout: 0.1 } },
  { id: 'gru-small', label: 'GRU small (h128)', kind: 'gru', values: { hiddenSize: 128, embedSize: 32, layers: 1, dropout: 0 } },
  // Miller & Hardt's stable vanilla RNN: the recurrent matrix kept at spectral norm ≤ 0.9.
  {
    id: 'rnn-stable',
    label: 'RNN stable (h128, λ 0.9)',
    kind: 'rnn',
    values: { hiddenSize: 128, embedSize: 32, layers: 1, dropout: 0, spectralBound: 0.9 },
  },
  // locuslab/TCN's char-level settings, at this lab's default width.
  {
    id: 'tcn-locuslab',
    label: 'TCN locuslab char (levels 4, k 3, dropout 0.05)',
    kind: 'tcn',
    values: { hiddenSize: 128, embedSize: 32, levels: 4, kernelSize: 3, dropout: 0.05 },
  },
  {
    id: 'tcn-wide',
    label: 'TCN wide (384 channels, levels 6, k 3)',
    kind: 'tcn',
    values: { hiddenSize: 384, embedSize: 64, levels: 6, kernelSize: 3, dropout: 0.05 },
  },
  // Dauphin et al.'s context of 25 steps (4 blocks of 2 convolutions, kernel 4).
  {
    id: 'gcnn-25',
    label: 'GCNN context 25 (4 blocks × 2, k 4)',
    kind: 'gcnn',
    values: { hiddenSize: 128, embedSize: 32, levels: 4, convsPerBlock: 2, kernelSize: 4 },
  },
  {
    id: 'wavenet-small',
    label: 'WaveNet small (2 stacks × 6 layers)',
    kind: 'wavenet',
    values: { residualChannels: 32, dilationChannels: 32, skipChannels: 64, stacks: 2, layersPerStack: 6, kernelSize: 2 },
  },
  { id: 'tiny', label: 'Tiny smoke test (LSTM h16)', kind: 'lstm', values: { hiddenSize: 16, embedSize: 16, layers: 1, dropout: 0 } },
];
