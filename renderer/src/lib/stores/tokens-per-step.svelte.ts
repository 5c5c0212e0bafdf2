// Tokens one training step of a run reads, for charts with x by tokens seen:
// batchSize × seqLen for runs that stream their data in windows (text,
// audio), null for episodic tasks (music, synthetic), whose batches are whole
// sequences of varying length. Read from the run's training settings.
import type { DatasetSummary } from '../types.ts';
import { runTrain } from './run-train.svelte.ts';

/** Whether a dataset's runs read a fixed number of tokens per step. */
export function streamsTokens(kind: DatasetSummary['kind'] | undefined): boolean {
  return kind === 'text' || kind === 'audio';
}

class TokensPerStep {
  /** The run's tokens per step; undefined while it loads, null when steps do not read a fixed count. */
  of(runId: number, datasetKind: DatasetSummary['kind'] | undefined): number | null | undefined {
    if (datasetKind !== undefined && !streamsTokens(datasetKind)) return null;
    const train = runTrain.of(runId);
    return train ? train.batchSize * train.seqLen : train;
  }
}

export const tokensPerStep = new TokensPerStep();
