// Model presets of the New-run form: a starting point, each field still editable.
import type { ModelKind } from './config-fields.ts';

export interface ModelPreset {
  id: string;
  label: string;
  kind: ModelKind;
  values: Record<string, number>;
}

export const MODEL_PRESETS: ModelPreset[] = [
  { id: 'lstm-small', label: 'LSTM small (h128)', kind: 'lstm', values: { hiddenSize: 128, embedSize: 32, layers: 1, dropout: 0 } },
  { id: 'lstm-2x256', label: 'LSTM 2×256', kind: 'lstm', values: { hiddenSize: 256, embedSize: 64, layers: 2, dropout: 0.1 } },
  // locuslab/TCN's char-level settings, at this lab's default width.
  { id: 'tcn-locuslab', label: 'TCN locuslab char (levels 4, k 3, dropout 0.05)', kind: 'tcn', values: { hiddenSize: 128, embedSize: 32, levels: 4, kernelSize: 3, dropout: 0.05 } },
  { id: 'tcn-wide', label: 'TCN wide (384 channels, levels 6, k 3)', kind: 'tcn', values: { hiddenSize: 384, embedSize: 64, levels: 6, kernelSize: 3, dropout: 0.05 } },
  { id: 'tiny', label: 'Tiny smoke test (LSTM h16)', kind: 'lstm', values: { hiddenSize: 16, embedSize: 16, layers: 1, dropout: 0 } },
];
