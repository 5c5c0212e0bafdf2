// What every claim does alike: find the newest finished experiment of the
// right kind on the right data, say "not run yet" with the experiment that
// would run it (or the resume of an unfinished one), and describe datasets.
import type { ClaimCheck, ClaimDataset, ClaimEvidence, ClaimExperiment, ClaimStart } from './claim-types.ts';
import { NOT_RUN } from './verdict.ts';

/** A claim of a paper and how the lab checks it. */
export interface ClaimDefinition {
  id: string;
  claim: string;
  source: string;
  /** The paper's figure, in words ("approx." where the number is from memory of the paper). */
  paper: string;
  check(evidence: ClaimEvidence): ClaimFinding;
}

/** What a claim's check finds; the registry adds id, claim, source and paper. */
export type ClaimFinding = Omit<ClaimCheck, 'id' | 'claim' | 'source' | 'paper'>;

/** Which experiments can show a claim: their kinds and a test on each (its dataset, its members). */
export interface EvidenceMatch {
  kinds: readonly string[];
  accepts(e: ClaimExperiment): boolean;
}

const matching = (evidence: ClaimEvidence, m: EvidenceMatch) =>
  evidence.experiments.filter((e) => m.kinds.includes(e.kind) && m.accepts(e));

/** The newest completed experiment that can show the claim. */
export function newestCompleted(evidence: ClaimEvidence, m: EvidenceMatch): ClaimExperiment | undefined {
  return matching(evidence, m).find((e) => e.status === 'completed' && e.result !== null);
}

/**
 * "not run yet": names an experiment that is under way or can be resumed,
 * else the one that would run the check.
 * @param missing what is missing, for the reason ("no finished stability experiment")
 * @param blocked why nothing can start it yet (a dataset to import), with what to do instead
 */
export function notRunYet(
  evidence: ClaimEvidence,
  m: EvidenceMatch,
  missing: string,
  start: ClaimStart | null,
  settings: string,
  blocked?: { reason: string; run: string },
): ClaimFinding {
  const pending = matching(evidence, m).find((e) => e.status !== 'completed');
  const base = { lab: '-', settings, verdict: NOT_RUN.text, kind: NOT_RUN.kind, experimentId: null, figure: null };
  if (pending?.status === 'running' || pending?.status === 'queued') {
    return {
      ...base,
      reason: `${missing}; experiment ${pending.id} (${pending.kind}) is ${pending.status}`,
      experimentId: pending.id,
      start: null,
      run: `seqlab experiment show ${pending.id}`,
    };
  }
  if (pending) {
    return {
      ...base,
      reason: `${missing}; experiment ${pending.id} (${pending.kind}) ${pending.status} before it finished: resume it`,
      experimentId: pending.id,
      start: null,
      run: `seqlab experiment resume ${pending.id}`,
    };
  }
  if (blocked) return { ...base, reason: `${missing}; ${blocked.reason}`, start: null, run: blocked.run };
  return { ...base, reason: `${missing} in the history`, start, run: start?.command ?? null };
}

/** A terminal command that runs `start`. */
function commandFor(kind: string, dataset: string | null, config: Record<string, unknown>): string {
  if (kind === 'truncation' && Object.keys(config).length === 1 && typeof config['runId'] === 'number')
    return `seqlab experiment run truncation --run ${config['runId']}`;
  const ds = dataset === null ? '' : ` --dataset ${/^[\w.-]+$/.test(dataset) ? dataset : `'${dataset.replace(/'/g, "'\\''")}'`}`;
  const fields = Object.keys(config).length ? ` --config '${JSON.stringify(config).replace(/'/g, "'\\''")}'` : '';
  return `seqlab experiment run ${kind}${ds}${fields}`;
}

export function startOf(kind: ClaimStart['kind'], dataset: string | null, config: Record<string, unknown>): ClaimStart {
  return { kind, dataset, config, command: commandFor(kind, dataset, config) };
}

/** "copy-100 (synthetic copy, T = 100)" and the like. */
export function describeDataset(d: ClaimDataset | null): string {
  if (!d) return 'a dataset that is gone';
  if (d.kind === 'synthetic') return `"${d.name}" (${String(d.task?.['task'] ?? 'synthetic')}, T = ${String(d.task?.['length'] ?? '?')})`;
  if (d.kind === 'text') return `"${d.name}" (${d.level ?? 'char'}-level text)`;
  return `"${d.name}" (${d.kind})`;
}

/** The experiment, its dataset and its training budget, in one line. */
export function settingsOf(e: ClaimExperiment, extra: string[] = []): string {
  const train = (e.config['train'] ?? {}) as Record<string, unknown>;
  const budget = ['steps', 'batchSize', 'seqLen', 'lr'].filter((k) => train[k] !== undefined).map((k) => `${k} ${String(train[k])}`);
  const bits = [
    `experiment ${e.id}${e.name ? ` "${e.name}"` : ''} (${e.kind})`,
    `on ${describeDataset(e.dataset)}`,
    ...extra,
    ...(budget.length ? [budget.join(', ')] : []),
  ];
  return bits.join('; ');
}

export const isSyntheticTask = (d: ClaimDataset | null, task: string): boolean => d?.kind === 'synthetic' && d.task?.['task'] === task;
export const isMusic = (d: ClaimDataset | null): boolean => d?.kind === 'music';
export const isCharText = (d: ClaimDataset | null): boolean => d?.kind === 'text' && (d.level ?? 'char') === 'char';

/** The dataset of `test` whose name matches `preferred` (e.g. /jsb/i), else the newest of `test`; undefined if none. */
export function pickDataset(evidence: ClaimEvidence, test: (d: ClaimDataset) => boolean, preferred: RegExp): ClaimDataset | undefined {
  const fit = evidence.datasets.filter(test);
  return fit.find((d) => preferred.test(d.name)) ?? fit[0];
}
