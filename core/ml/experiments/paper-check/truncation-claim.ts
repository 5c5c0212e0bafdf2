// Miller & Hardt's first claim: a stable recurrent model is approximately its
// k-truncated feed-forward version. Read from a truncation sweep experiment
// (one run) or from a stability experiment that swept each member (its
// 'truncation' table has a role column); the stable members decide.
import type { ClaimExperiment } from './claim-types.ts';
import {
  newestCompleted,
  notRunYet,
  settingsOf,
  startOf,
  type ClaimDefinition,
  type ClaimFinding,
  type EvidenceMatch,
} from './claim-support.ts';
import { FREE, SOURCE, stabilityStart } from './miller-hardt-support.ts';
import { columnIndex, findTable, formatFigure, memberFigures, pickPlot } from './result-reading.ts';
import {
  DOES_NOT_HOLD,
  EQUAL_WITHIN,
  fitDecay,
  GEOMETRIC_MAX,
  percent,
  relativeGap,
  ROUND_OFF,
  verdictForGap,
  type Verdict,
} from './verdict.ts';

/** One model's sweep: (k, loss, relative distance) points and the full model's loss. */
interface Sweep {
  role: string;
  points: { k: number; loss: number | null; relative: number }[];
  full: number | null;
}

/** A sweep judged: its verdict, its figure in words and why. */
interface SweepVerdict {
  sweep: Sweep;
  verdict: Verdict;
  /** For ordering: how far from holding (a failed decay ranks worst). */
  badness: number;
  lab: string;
  reason: string;
}

const hasSweep = (e: ClaimExperiment) => e.result !== null && findTable(e.result, 'truncation') !== undefined;
const MATCH: EvidenceMatch = {
  kinds: ['truncation', 'stability'],
  accepts: (e) => (e.kind === 'truncation' ? e.status !== 'completed' || hasSweep(e) : hasSweep(e)),
};

/** Every model's sweep in the experiment's 'truncation' table (one without a role column is one model). */
function readSweeps(e: ClaimExperiment): Sweep[] {
  const table = findTable(e.result!, 'truncation')!;
  const [roleCol, kCol, lossCol, relCol] = [
    columnIndex(table, 'role'),
    columnIndex(table, 'k'),
    columnIndex(table, 'valid loss'),
    columnIndex(table, 'relative distance'),
  ];
  const byRole = new Map<string, Sweep>();
  for (const row of table.rows) {
    const role = roleCol >= 0 ? String(row[roleCol] ?? '') : (memberFigures(e.result)[0]?.model ?? 'model');
    const sweep = byRole.get(role) ?? { role, points: [], full: null };
    const k = row[kCol];
    const loss = typeof row[lossCol] === 'number' ? (row[lossCol] as number) : null;
    if (typeof k === 'number')
      sweep.points.push({ k, loss, relative: typeof row[relCol] === 'number' ? (row[relCol] as number) : Number.NaN });
    else if (k === 'full') sweep.full = loss;
    byRole.set(role, sweep);
  }
  return [...byRole.values()];
}

/** Geometric decay (fitted λ below GEOMETRIC_MAX, or at round-off already) and the largest k's loss against the full model's. */
function judgeSweep(sweep: Sweep): SweepVerdict {
  const last = sweep.points.at(-1);
  if (!last || sweep.full === null || last.loss === null)
    return {
      sweep,
      verdict: DOES_NOT_HOLD,
      badness: Infinity,
      lab: `${sweep.role}: no losses recorded`,
      reason: `${sweep.role}: the sweep recorded no losses to compare`,
    };
  const lambda = fitDecay(sweep.points);
  const roundOff = last.relative <= ROUND_OFF;
  const decays = lambda !== null ? lambda < GEOMETRIC_MAX : roundOff;
  const lab = `${sweep.role}: ${lambda !== null ? `λ ≈ ${lambda.toPrecision(3)}, ` : ''}‖y − yᵏ‖/‖y‖ = ${formatFigure(last.relative)} at k = ${last.k}, loss ${formatFigure(last.loss)} against ${formatFigure(sweep.full)} (full)`;
  if (!decays)
    return {
      sweep,
      verdict: DOES_NOT_HOLD,
      badness: Infinity,
      lab,
      reason: `${sweep.role}: ‖y − yᵏ‖ does not fall geometrically (fitted λ ≈ ${lambda?.toPrecision(3) ?? '?'}; geometric needs λ < ${GEOMETRIC_MAX}): not contractive on this data`,
    };
  const gap = relativeGap(last.loss, sweep.full);
  const verdict = verdictForGap(gap, EQUAL_WITHIN);
  const decay =
    lambda !== null
      ? `the distance falls like ${lambda.toPrecision(3)}ᵏ`
      : `the distance is at float32 round-off from k = ${sweep.points.find((p) => p.relative <= ROUND_OFF)?.k ?? last.k}`;
  return {
    sweep,
    verdict,
    badness: gap,
    lab,
    reason: `${sweep.role}: ${decay}${roundOff && lambda !== null ? ' down to float32 round-off' : ''}, and the k = ${last.k} truncated model's loss is ${gap <= 0 ? 'no worse than' : `${percent(gap)} above`} the full model's${verdict.kind === 'holds' ? '' : ` (equal means within ${percent(EQUAL_WITHIN)})`}`,
  };
}

export const stableIsTruncated: ClaimDefinition = {
  id: 'stable-is-truncated',
  claim: 'A stable recurrent model is approximately its k-truncated feed-forward version: ‖y − yᵏ‖ falls geometrically with k',
  source: `${SOURCE}, Sec. 3 (truncation of λ-contractive models; approx. numbering)`,
  paper:
    '‖y_t − y_tᵏ‖ ≤ C·λᵏ for a λ-contractive model: exponentially small in k, so inference with k steps of context matches the full model up to that error',
  check(evidence): ClaimFinding {
    const e = newestCompleted(evidence, MATCH);
    if (!e) {
      // The claim is about stable models: sweep a stable run when there is one.
      const run = evidence.recurrentRuns.find((r) => r.stable) ?? evidence.recurrentRuns[0];
      if (run) {
        const which = run.stable
          ? 'trained stable'
          : 'trained without the constraint: the claim is about stable models, but a model may be contractive on its data anyway';
        return notRunYet(
          evidence,
          MATCH,
          'no finished truncation sweep',
          startOf('truncation', null, { runId: run.id }),
          `truncation sweep of run ${run.id} (${run.modelKind}, ${which}), k = 1, 2, 4, … up to the window`,
        );
      }
      const s = stabilityStart(evidence);
      const found = notRunYet(
        evidence,
        MATCH,
        'no finished truncation sweep',
        s.start,
        `first a stable RNN (the stability experiment on ${s.note}), then its truncation sweep`,
      );
      return found.start
        ? {
            ...found,
            reason: `${found.reason}, and no trained recurrent run to sweep: the stability experiment trains one (then: seqlab experiment run truncation --run <its run id>)`,
          }
        : found;
    }
    const judged = readSweeps(e).map(judgeSweep);
    // In a stability experiment the stable members decide; the unconstrained ones are listed for comparison.
    const deciding = judged.filter((j) => !FREE.test(j.sweep.role));
    const pool = deciding.length ? deciding : judged;
    const worst = pool.reduce((a, b) => (b.badness > a.badness ? b : a));
    const ks = judged[0]?.sweep.points.map((p) => p.k).join(', ') ?? '';
    const what =
      e.kind === 'truncation'
        ? [`run ${String(e.config['runId'])}`]
        : [`each member swept (${judged.map((j) => j.sweep.role).join(', ')})`];
    return {
      lab: judged.map((j) => j.lab).join('; '),
      settings: settingsOf(e, [...what, `k = ${ks}`]),
      verdict: worst.verdict.text,
      kind: worst.verdict.kind,
      reason: pool.length > 1 ? `worst of ${pool.length} stable models: ${worst.reason}` : worst.reason,
      experimentId: e.id,
      start: null,
      run: `seqlab experiment show ${e.id}`,
      figure: pickPlot(e.result, ['truncation-distance']),
    };
  },
};
