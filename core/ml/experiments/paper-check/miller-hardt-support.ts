// What Miller & Hardt's three claims share: their source, the text corpus
// they train on (character PTB when the history has it), and the stability
// experiment that trains a stable model.
import { findPreset } from '../presets.ts';
import type { ClaimDataset, ClaimEvidence, ClaimStart } from './claim-types.ts';
import { isCharText, pickDataset, startOf } from './claim-support.ts';

export const SOURCE = 'Miller & Hardt, Stable Recurrent Models (ICLR 2019)';

/** Where the stability claims train when the history has no character PTB: the built-in corpus with long-range structure. */
const FALLBACK_TEXT = 'brackets';

/** A member trained without the stability constraint, by its role ("unconstrained", "rnn-unconstrained"). */
export const FREE = /unconstrained|unstable|free/;

/** Character-level PTB when it is in the history, else the built-in corpus. */
export function textDataset(evidence: ClaimEvidence): { name: string; note: string; ptb: boolean } {
  const d: ClaimDataset | undefined = pickDataset(evidence, isCharText, /ptb|penn/i);
  if (d && /ptb|penn/i.test(d.name)) return { name: d.name, note: `character PTB ("${d.name}")`, ptb: true };
  return {
    name: FALLBACK_TEXT,
    note: `the built-in "${FALLBACK_TEXT}" corpus (no character PTB in the history; import ../shared/data/ptb.valid.txt to use it)`,
    ptb: false,
  };
}

/**
 * On character PTB, the stability-ptb preset (RNN over λ, LSTM stable vs free,
 * to a plateau); on the fallback corpus the experiment's defaults (an RNN with
 * and without the projection, λ = 0.9), which fit a few minutes on 2 cores.
 */
export function stabilityStart(evidence: ClaimEvidence): { start: ClaimStart; note: string } {
  const { name, note, ptb } = textDataset(evidence);
  const preset = ptb ? findPreset('stability', 'stability-ptb') : undefined;
  if (preset)
    return { start: startOf('stability', name, { preset: preset.name }), note: `${note}, preset ${preset.name}: ${preset.title}` };
  return { start: startOf('stability', name, { model: { kind: 'rnn' }, lambda: 0.9 }), note };
}
