// Tokens one training step of a run reads, for charts with x by tokens seen:
// batchSize × seqLen for runs that stream their data in windows (text,
// audio), null for episodic tasks (music, synthetic), whose batches are whole
// sequences of varying length. Fetched once per run (getRun) and kept.
import { lab } from '../lab-client.ts';
import type { DatasetSummary } from '../types.ts';

/** Whether a dataset's runs read a fixed number of tokens per step. */
export function streamsTokens(kind: DatasetSummary['kind'] | undefined): boolean {
  return kind === 'text' || kind === 'audio';
}

class TokensPerStep {
  private readonly known = $state<Record<number, number | null>>({});
  private readonly asked = new Set<number>();

  /** The run's tokens per step; undefined while it loads, null when steps do not read a fixed count. */
  of(runId: number, datasetKind: DatasetSummary['kind'] | undefined): number | null | undefined {
    if (datasetKind !== undefined && !streamsTokens(datasetKind)) return null;
    if (!this.asked.has(runId)) {
      this.asked.add(runId);
      lab.request('getRun', { id: runId }).then(
        (d) => (this.known[runId] = d.config.train.batchSize * d.config.train.seqLen),
        () => (this.known[runId] = null),
      );
    }
    return this.known[runId];
  }
}

export const tokensPerStep = new TokensPerStep();
