// The paper check's shapes: what it reads about the history (experiments with
// their datasets, trained recurrent runs: plain records, gathered by
// core/services/paper-check) and what it says per claim (a zod schema, so the
// contract ships it to the renderer as is). Pure: no IO.
import { z } from 'zod';
import { EXPERIMENT_KINDS } from '../experiment-config.ts';
import { resultPlotSchema, type ExperimentResult } from '../result-types.ts';

/** A dataset as the claims see it: enough to tell copy memory from JSB from character text. */
export interface ClaimDataset {
  id: number;
  name: string;
  /** text | music | synthetic | audio */
  kind: string;
  /** char | word for text; null otherwise. */
  level: string | null;
  /** Synthetic task parameters ({ task: 'copy', length: 100, ... }); null for the others. */
  task: Record<string, unknown> | null;
}

/** One experiment of the history, with the dataset it trained on (null when that is gone). */
export interface ClaimExperiment {
  id: number;
  kind: string;
  name: string | null;
  /** queued | running | completed | failed | stopped */
  status: string;
  config: Record<string, unknown>;
  /** Tables and plots once completed. */
  result: ExperimentResult | null;
  dataset: ClaimDataset | null;
  createdAt: string;
}

/** A trained recurrent run with a checkpoint: what a truncation sweep can read. */
export interface ClaimRun {
  id: number;
  modelKind: string;
  datasetId: number;
  /** Trained with the stability constraint (a spectral bound, or the stable LSTM). */
  stable: boolean;
}

/** Everything a claim is checked against; lists newest first. */
export interface ClaimEvidence {
  experiments: ClaimExperiment[];
  datasets: ClaimDataset[];
  recurrentRuns: ClaimRun[];
}

export const VERDICT_KINDS = ['holds', 'holds-within', 'does-not-hold', 'not-run'] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/**
 * The experiment that would check a claim: a kind and its config, on a dataset
 * named (a built-in is generated on first use) or already in the history.
 */
export const claimStartSchema = z.object({
  kind: z.enum(EXPERIMENT_KINDS),
  /** Dataset name or built-in name; null for a truncation sweep (it reads its run's dataset). */
  dataset: z.string().nullable(),
  /** The experiment's config without datasetId. */
  config: z.record(z.string(), z.unknown()),
  /** The same as a terminal command. */
  command: z.string(),
});
export type ClaimStart = z.infer<typeof claimStartSchema>;

export const claimCheckSchema = z.object({
  /** Stable key ("tcn-copy-memory"), also the figure's file name. */
  id: z.string().regex(/^[a-z0-9-]+$/),
  claim: z.string(),
  /** Paper, table or section. */
  source: z.string(),
  /** The paper's figure, in words. */
  paper: z.string(),
  /** The lab's own figure, or "-" when not run yet. */
  lab: z.string(),
  /** The experiment and settings the lab's figure comes from (or would come from). */
  settings: z.string(),
  /** "holds", "holds within 4.2 %", "does not hold at this budget", "not run yet". */
  verdict: z.string(),
  kind: z.enum(VERDICT_KINDS),
  /** Why the verdict is what it is. */
  reason: z.string(),
  /** The experiment the lab's figure is read from. */
  experimentId: z.number().int().nullable(),
  /** How to run (or rerun) the check; null when nothing can start it yet (e.g. a dataset to import first). */
  start: claimStartSchema.nullable(),
  /** The terminal command: start.command, or what to do first. */
  run: z.string().nullable(),
  /** The experiment's plot that shows the claim, drawn in the report. */
  figure: resultPlotSchema.nullable(),
});
export type ClaimCheck = z.infer<typeof claimCheckSchema>;
