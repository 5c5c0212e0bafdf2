// Miller & Hardt, "Stable Recurrent Models" (ICLR 2019): stability costs
// little, and the truncated model trains as well (the truncation claim is in
// truncation-claim.ts). Pure: reads the evidence.
import type { ClaimExperiment } from './claim-types.ts';
import { newestCompleted, notRunYet, settingsOf, startOf, type ClaimDefinition, type EvidenceMatch } from './claim-support.ts';
import { FREE, SOURCE, stabilityStart, textDataset } from './miller-hardt-support.ts';
import { findTable, formatFigure, measure, memberFigures, pickPlot, type MemberFigure } from './result-reading.ts';
import { DOES_NOT_HOLD, EQUAL_WITHIN, percent, relativeGap, verdictForGap } from './verdict.ts';

const STABILITY: EvidenceMatch = { kinds: ['stability'], accepts: () => true };

/** Members free of the constraint and constrained ones, grouped by model kind. */
function stabilityGroups(members: MemberFigure[]): { model: string; free: MemberFigure; stable: MemberFigure[] }[] {
  const groups = new Map<string, { free?: MemberFigure; stable: MemberFigure[] }>();
  for (const m of members) {
    const g = groups.get(m.model) ?? { stable: [] };
    // Roles: unconstrained / stable (one λ), rnn-unconstrained / rnn-lambda-0.9 / lstm-stable (the λ sweep).
    if (FREE.test(m.role)) g.free ??= m;
    else g.stable.push(m);
    groups.set(m.model, g);
  }
  return [...groups].filter(([, g]) => g.free && g.stable.length).map(([model, g]) => ({ model, free: g.free!, stable: g.stable }));
}

export const stabilityCostsLittle: ClaimDefinition = {
  id: 'stability-costs-little',
  claim: 'Stability costs little: a stable model is about as good as the unconstrained one',
  source: `${SOURCE}, Table 1 (preprint figures; approx.)`,
  paper: 'Wikitext-2 word-level perplexity, unconstrained → stable: tanh RNN 146.7 → 143.5 (2.2 % better), LSTM 92.3 → 95.1 (3.0 % worse)',
  check(evidence) {
    const e = newestCompleted(evidence, STABILITY);
    if (!e) {
      const s = stabilityStart(evidence);
      return notRunYet(
        evidence,
        STABILITY,
        'no finished stability experiment',
        s.start,
        `an RNN with and without the spectral-norm projection (λ = 0.9) on ${s.note}`,
      );
    }
    const groups = stabilityGroups(memberFigures(e.result));
    const settings = settingsOf(e, lambdaSetting(e));
    const figure = pickPlot(e.result, sweptLambdas(e) ? ['loss-vs-lambda', 'valid-loss'] : ['valid-loss']);
    const base = { settings, experimentId: e.id, start: null, run: `seqlab experiment show ${e.id}`, figure };
    const usable = groups.filter((g) => g.free.loss !== null && g.stable.some((s) => s.loss !== null));
    if (!usable.length)
      return {
        ...base,
        lab: '-',
        verdict: DOES_NOT_HOLD.text,
        kind: DOES_NOT_HOLD.kind,
        reason: 'the experiment has no unconstrained and stable member with a recorded loss',
      };
    // Per model, the best stable member decides (the paper picks λ too); every member is listed.
    const rows = usable.map((g) => {
      const stable = g.stable.filter((s) => s.loss !== null).map((m) => ({ m, gap: relativeGap(m.loss!, g.free.loss!) }));
      const best = stable.reduce((a, b) => (b.gap < a.gap ? b : a));
      return { model: g.model, free: g.free, stable, best: best.m, gap: best.gap };
    });
    const worst = rows.reduce((a, b) => (b.gap > a.gap ? b : a));
    const v = verdictForGap(worst.gap, EQUAL_WITHIN);
    const unit = rows[0]!.free.unit;
    const signed = (gap: number) => (gap <= 0 ? `${percent(gap)} better` : `+${percent(gap)}`);
    const lab = rows
      .map(
        (r) =>
          `${r.model}: unconstrained ${formatFigure(r.free.loss!)}, ${r.stable.map(({ m, gap }) => `${m.role} ${formatFigure(m.loss!)} (${signed(gap)})`).join(', ')} ${unit}`,
      )
      .join('; ');
    const gapWords = (gap: number) => (gap <= 0 ? 'no worse than' : `${percent(gap)} worse than`);
    const endedBy = endedByRole(e);
    // Each model's own verdict too: one kind can hold while the other does not (the worse one decides).
    const others = rows
      .filter((r) => r !== worst)
      .map(
        (r) =>
          `; the best stable ${r.model} (${r.best.role}) is ${gapWords(r.gap)} its unconstrained one: ${verdictForGap(r.gap, EQUAL_WITHIN).text}`,
      )
      .join('');
    return {
      ...base,
      lab: `${lab}; ${rows[0]!.free.lossKind} loss`,
      verdict: v.text,
      kind: v.kind,
      reason: `the best stable ${worst.model} (${worst.best.role}) is ${gapWords(worst.gap)} the unconstrained one${v.kind === 'holds' ? '' : ` (about as good means within ${percent(EQUAL_WITHIN)})`}${v.kind === 'does-not-hold' ? trainingWords(endedBy.get(worst.best.role)) : ''}${others}`,
    };
  },
};

/** Why each member's training ended ("plateau", "steps", "time"), by role, from the λ-sweep table where the experiment has one. */
function endedByRole(e: ClaimExperiment): Map<string, string> {
  const table = e.result ? findTable(e.result, 'lambda-sweep') : undefined;
  const roleAt = table?.columns.indexOf('role') ?? -1;
  const endedAt = table?.columns.indexOf('ended by') ?? -1;
  if (!table || roleAt < 0 || endedAt < 0) return new Map();
  return new Map(table.rows.map((r) => [String(r[roleAt]), String(r[endedAt])]));
}

/** What more training could change, from how the deciding stable member stopped. */
function trainingWords(endedBy: string | undefined): string {
  if (endedBy === 'plateau')
    return '; it stopped on a validation plateau (early stopping), so more steps at these settings would not close the gap';
  if (endedBy === 'steps' || endedBy === 'time')
    return '; it was still improving when its step or time cap ended it: longer training may close the gap';
  return '; the paper trains to convergence, longer training may close the gap';
}

/** More than one λ: loss against λ is a curve worth drawing (with one λ it is a single point per series). */
function sweptLambdas(e: ClaimExperiment): boolean {
  const lambdas = e.config['lambdas'];
  return Array.isArray(lambdas) && lambdas.length > 1;
}

function lambdaSetting(e: ClaimExperiment): string[] {
  const model = (e.config['model'] ?? {}) as Record<string, unknown>;
  const lambdas = e.config['lambdas'] ?? e.config['lambda'];
  return [
    `${String(model['kind'] ?? 'rnn')}${lambdas !== undefined ? `, λ = ${Array.isArray(lambdas) ? lambdas.map((l) => (l === null ? 'none' : String(l))).join(', ') : String(lambdas)}` : ''}`,
  ];
}

const TRUNCATED_VS_RECURRENT: EvidenceMatch = { kinds: ['truncated-vs-recurrent'], accepts: () => true };

export const truncatedTrainsAsWell: ClaimDefinition = {
  id: 'truncated-trains-as-well',
  claim: 'A truncated (feed-forward) model trained from scratch does as well as the recurrent one',
  source: `${SOURCE}, Sec. 4 (training the truncated model; approx.) and the blog post "When Recurrent Models Don't Need to be Recurrent" (2018)`,
  paper:
    'gradient descent on a stable model and on its k-truncated model ends at nearby weights and outputs; the blog cites an LSTM n-gram (n = 13) matching a full-context LSTM on Billion Word, and a gated conv LM with context 25 beating a large LSTM on Wikitext-103 (37.2 vs 48.7 perplexity)',
  check(evidence) {
    const e = newestCompleted(evidence, TRUNCATED_VS_RECURRENT);
    if (!e) {
      const { name, note } = textDataset(evidence);
      const config = { base: { kind: 'gru' }, k: 8 };
      return notRunYet(
        evidence,
        TRUNCATED_VS_RECURRENT,
        'no finished truncated-vs-recurrent experiment',
        startOf('truncated-vs-recurrent', name, config),
        `a GRU and its 8-truncated twin, trained with the same seed on ${note}`,
      );
    }
    const base = (e.config['base'] ?? {}) as Record<string, unknown>;
    const k = Number(e.config['k'] ?? 8);
    const settings = settingsOf(e, [`${String(base['kind'] ?? 'rnn')} against its ${k}-truncated twin`]);
    const members = memberFigures(e.result);
    const byRole = (role: string) => members.find((m) => m.role === role);
    const rec = measure(e.result, 'closeness', 'valid loss, recurrent (') ?? byRole('recurrent')?.loss ?? null;
    const twin = measure(e.result, 'closeness', 'valid loss, truncated twin') ?? byRole('truncated')?.loss ?? null;
    const relative = measure(e.result, 'closeness', 'relative to mean');
    const figure = pickPlot(e.result, ['valid-loss']);
    const common = { settings, experimentId: e.id, start: null, run: `seqlab experiment show ${e.id}`, figure };
    if (rec === null || twin === null)
      return { ...common, lab: '-', verdict: DOES_NOT_HOLD.text, kind: DOES_NOT_HOLD.kind, reason: 'a member recorded no valid loss' };
    const gap = relativeGap(twin, rec);
    const v = verdictForGap(gap, EQUAL_WITHIN);
    const unit = members[0]?.unit ?? '';
    const lab = `valid loss: recurrent ${formatFigure(rec)}, truncated twin (k = ${k}) ${formatFigure(twin)} ${unit}${relative !== null ? `; outputs differ by ${formatFigure(relative)} of their norm` : ''}`;
    return {
      ...common,
      lab,
      verdict: v.text,
      kind: v.kind,
      reason: `the truncated twin's loss is ${gap <= 0 ? `${percent(gap)} lower than` : `${percent(gap)} above`} the recurrent model's${v.kind === 'holds' ? '' : ` (as well means within ${percent(EQUAL_WITHIN)})`}`,
    };
  },
};
