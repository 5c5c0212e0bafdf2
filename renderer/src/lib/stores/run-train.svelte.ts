// The training settings of runs (learning rate, clipping, batch size,
// sequence length…) for screens that show many runs from their summaries:
// History names a flagged run's likely cause, charts put tokens seen on x.
// Fetched once per run (getRun) and kept.
import { lab } from '../lab-client.ts';
import type { RunDetail } from '../types.ts';

export type TrainSettings = RunDetail['config']['train'];

class RunTrain {
  private readonly known = $state<Record<number, TrainSettings | null>>({});
  private readonly asked = new Set<number>();

  /** The run's training settings; undefined while they load, null when the run could not be read. */
  of(runId: number): TrainSettings | null | undefined {
    if (!this.asked.has(runId)) {
      this.asked.add(runId);
      lab.request('getRun', { id: runId }).then(
        (d) => (this.known[runId] = d.config.train),
        () => (this.known[runId] = null),
      );
    }
    return this.known[runId];
  }
}

export const runTrain = new RunTrain();
