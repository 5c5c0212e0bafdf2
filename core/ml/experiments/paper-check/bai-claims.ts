// Bai, Kolter & Koltun, "An Empirical Evaluation of Generic Convolutional and
// Recurrent Networks for Sequence Modeling" (2018), Table 1: at comparable
// parameter counts a TCN matches or beats LSTM and GRU on the memory tasks,
// JSB Chorales and character PTB. Each claim reads the newest finished
// experiment on matching data that trained a TCN beside recurrent models.
import { findPreset } from '../presets.ts';
import type { ExperimentResult } from '../result-types.ts';
import type { ClaimDataset, ClaimEvidence, ClaimExperiment, ClaimStart } from './claim-types.ts';
import {
  describeDataset,
  isCharText,
  isMusic,
  isSyntheticTask,
  newestCompleted,
  notRunYet,
  pickDataset,
  settingsOf,
  startOf,
  type ClaimDefinition,
  type ClaimFinding,
  type EvidenceMatch,
} from './claim-support.ts';
import { columnIndex, findTable, formatFigure, memberFigures, pickPlot, type MemberFigure } from './result-reading.ts';
import { DOES_NOT_HOLD, percent, relativeGap, SOLVED_FRACTION, verdictForGap } from './verdict.ts';

const SOURCE = 'Bai, Kolter & Koltun 2018, Table 1';
const RECURRENT = ['lstm', 'gru', 'rnn'];
/** Experiments that train a TCN beside recurrent models. */
const KINDS = ['recurrent-vs-conv', 'memory'];

/** The best (lowest-loss) member of each family; null when a family is missing. */
function families(members: MemberFigure[]): { tcn: MemberFigure | null; recurrent: MemberFigure[] } {
  const best = (ms: MemberFigure[]) => ms.filter((m) => m.loss !== null).sort((a, b) => a.loss! - b.loss!)[0] ?? null;
  const recurrent = RECURRENT.map((k) => best(members.filter((m) => m.model === k))).filter((m): m is MemberFigure => m !== null);
  return { tcn: best(members.filter((m) => m.model === 'tcn')), recurrent };
}

const hasBoth = (e: ClaimExperiment) => {
  const f = families(memberFigures(e.result));
  return f.tcn !== null && f.recurrent.length > 0;
};

interface TcnClaimSpec {
  id: string;
  task: string;
  paper: string;
  accepts: (d: ClaimDataset | null) => boolean;
  /** A loss no better than the task's memoryless predictor (the memory tasks), from the dataset's parameters. */
  baseline?: (d: ClaimDataset) => number | null;
  /** Where to run it: a dataset name (a built-in is generated on first use), or what to import first. */
  dataset(evidence: ClaimEvidence): { name: string } | { missing: string; run: string };
  config: Record<string, unknown>;
  /** The plan in words, for "not run yet". */
  plan: string;
  /** A built-in memory preset (core/ml/experiments/presets.ts) that runs the check; preferred over `config`. */
  preset?: string;
  /** Converts a loss to the paper's unit for display (nats → bits per character), with its unit. */
  display?: (v: number) => string;
}

function tcnClaim(spec: TcnClaimSpec): ClaimDefinition {
  const match: EvidenceMatch = { kinds: KINDS, accepts: (e) => spec.accepts(e.dataset) && (e.status !== 'completed' || hasBoth(e)) };
  return {
    id: spec.id,
    claim: `A TCN does at least as well as LSTM and GRU on ${spec.task} at matched size`,
    source: SOURCE,
    paper: spec.paper,
    check(evidence): ClaimFinding {
      const e = newestCompleted(evidence, match);
      if (!e) {
        const where = spec.dataset(evidence);
        const missing = `no finished experiment with a TCN beside LSTM/GRU on ${spec.task}`;
        if ('missing' in where) return notRunYet(evidence, match, missing, null, spec.plan, { reason: where.missing, run: where.run });
        const { start, plan } = startFor(spec, where.name);
        return notRunYet(evidence, match, missing, start, plan);
      }
      const members = memberFigures(e.result);
      const { tcn, recurrent } = families(members);
      const best = recurrent.reduce((a, b) => (b.loss! < a.loss! ? b : a));
      const unit = tcn!.unit;
      const show = (m: MemberFigure) =>
        `${m.model.toUpperCase()} ${formatFigure(m.loss!)}${spec.display ? ` (${spec.display(m.loss!)})` : ''}`;
      const params = [tcn!, ...recurrent].map((m) => `${m.model} ${m.parameters?.toLocaleString('en') ?? '?'}`).join(', ');
      const target = e.config['targetParams'];
      const settings = settingsOf(e, [
        `parameters ${params}${typeof target === 'number' ? ` (target ${target.toLocaleString('en')})` : ''}`,
      ]);
      const gap = relativeGap(tcn!.loss!, best.loss!);
      const task = memoryTask(e.result);
      const baseline = task.baseline ?? (e.dataset && spec.baseline ? spec.baseline(e.dataset) : null);
      const recall = [tcn!, ...recurrent]
        .filter((m) => task.recall.get(m.role) != null)
        .map((m) => `${m.model.toUpperCase()} ${formatFigure(task.recall.get(m.role)!)}`);
      const lab = `${tcn!.lossKind} loss (${unit}): ${[tcn!, ...recurrent].map(show).join(', ')}${baseline !== null ? `; memoryless baseline ${formatFigure(baseline)}` : ''}${recall.length ? `; recall accuracy ${recall.join(', ')}` : ''}`;
      const common = {
        lab,
        settings,
        experimentId: e.id,
        start: null,
        run: `seqlab experiment show ${e.id}`,
        figure: pickPlot(e.result, ['valid-loss-vs-step', 'valid-loss']),
      };
      const vs = `the TCN's loss is ${gapWords(gap)} the best recurrent model's (${best.model.toUpperCase()})`;
      if (baseline !== null && tcn!.loss! > SOLVED_FRACTION * baseline) {
        return {
          ...common,
          verdict: DOES_NOT_HOLD.text,
          kind: DOES_NOT_HOLD.kind,
          reason: `the TCN did not solve the task: ${formatFigure(tcn!.loss!)} against the memoryless baseline ${formatFigure(baseline)} (solved means below ${percent(SOLVED_FRACTION)} of it); ${vs}`,
        };
      }
      const v = verdictForGap(gap, 0);
      return { ...common, verdict: v.text, kind: v.kind, reason: `${vs}${datasetCaveat(spec, e)}` };
    },
  };
}

/** The memory experiment's 'memory-task' table (the memory presets): the memoryless baseline and each member's recall accuracy. */
function memoryTask(result: ExperimentResult | null): { baseline: number | null; recall: Map<string, number | null> } {
  const table = result ? findTable(result, 'memory-task') : undefined;
  if (!table) return { baseline: null, recall: new Map() };
  const [role, base, recall] = [columnIndex(table, 'role'), columnIndex(table, 'baseline'), columnIndex(table, 'recall accuracy')];
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const baseline = base >= 0 ? (table.rows.map((r) => num(r[base])).find((v) => v !== null) ?? null) : null;
  return { baseline, recall: new Map(recall >= 0 ? table.rows.map((r) => [String(r[role]), num(r[recall])]) : []) };
}

/** The preset when it exists (the experiment the lab fixed from the paper), else a recurrent-vs-conv experiment with `config`. */
function startFor(spec: TcnClaimSpec, dataset: string): { start: ClaimStart; plan: string } {
  const preset = spec.preset ? findPreset('memory', spec.preset) : undefined;
  if (preset)
    return {
      start: startOf('memory', dataset, { preset: preset.name }),
      plan: `preset ${preset.name}: ${preset.title}; target: ${preset.target}`,
    };
  return { start: startOf('recurrent-vs-conv', dataset, spec.config), plan: `${spec.plan} on "${dataset}"` };
}

/** Says so when the lab's data is not the paper's (e.g. a char corpus that is not PTB). */
function datasetCaveat(spec: TcnClaimSpec, e: ClaimExperiment): string {
  if (spec.id === 'tcn-char-ptb' && e.dataset && !/ptb|penn/i.test(e.dataset.name))
    return `; measured on ${describeDataset(e.dataset)}, not PTB`;
  if (spec.id === 'tcn-jsb' && e.dataset && !/jsb|chorale/i.test(e.dataset.name))
    return `; measured on ${describeDataset(e.dataset)}, not JSB Chorales`;
  return '';
}

/** Copy memory's memoryless loss: blanks are certain, the 10 recalled symbols cost log 8 each, averaged over T + 20 positions. */
export function copyBaseline(d: ClaimDataset): number | null {
  const T = Number(d.task?.['length']);
  return Number.isFinite(T) && T > 0 ? (10 * Math.log(8)) / (T + 20) : null;
}

/** The adding problem's memoryless MSE: the variance of a sum of two U(0, 1) values, 1/6 (Bai et al. quote ~0.167). */
export const ADDING_BASELINE = 1 / 6;

const builtin = (name: string) => () => ({ name });
const imported =
  (test: (d: ClaimDataset) => boolean, preferred: RegExp, what: string, file: string, name: string) => (evidence: ClaimEvidence) => {
    const d = pickDataset(evidence, test, preferred);
    if (d && preferred.test(d.name)) return { name: d.name };
    return { missing: `${what} is not in the history: import it first`, run: `seqlab datasets import ${file} --name ${name}` };
  };

/**
 * Kernel 8 with enough levels for a receptive field of at least T + 20 (two
 * convolutions per level: 1 + 2·7·(2⁴ − 1) = 211 ≥ 120 and ≥ 200), as Bai et
 * al. use kernel 8 on both memory tasks; parameter budgets near theirs (approx.).
 */
const MEMORY_TCN = { tcn: { kernelSize: 8, levels: 4 } };

export const tcnCopyMemory = tcnClaim({
  id: 'tcn-copy-memory',
  task: 'copy memory',
  paper: 'copy memory T = 1000, loss: TCN 3.5e-5, LSTM 0.0204, GRU 0.0197 (the memoryless baseline is 0.0204: only the TCN recalls)',
  accepts: (d) => isSyntheticTask(d, 'copy'),
  baseline: copyBaseline,
  dataset: builtin('copy-100'),
  preset: 'copy-100',
  config: { kinds: ['tcn', 'lstm', 'gru'], targetParams: 16_000, models: MEMORY_TCN },
  plan: 'TCN (kernel 8, receptive field 211), LSTM and GRU at 16K parameters each, copy memory T = 100',
});

export const tcnAdding = tcnClaim({
  id: 'tcn-adding',
  task: 'the adding problem',
  paper: 'adding problem T = 600, MSE: TCN 5.8e-5, LSTM 0.164, GRU 5.3e-5 (predicting 1 scores ~0.167)',
  accepts: (d) => isSyntheticTask(d, 'adding'),
  baseline: () => ADDING_BASELINE,
  dataset: builtin('adding-200'),
  preset: 'adding-200',
  config: { kinds: ['tcn', 'lstm', 'gru'], targetParams: 70_000, models: MEMORY_TCN },
  plan: 'TCN (kernel 8, receptive field 211), LSTM and GRU at 70K parameters each, adding problem T = 200',
});

export const tcnJsb = tcnClaim({
  id: 'tcn-jsb',
  task: 'JSB Chorales (polyphonic music)',
  paper: 'JSB Chorales NLL per time step: TCN 8.10, LSTM 8.45, GRU 8.43 (TCN 3.9 % below the best recurrent)',
  accepts: isMusic,
  dataset: imported((d) => d.kind === 'music', /jsb|chorale/i, 'JSB Chorales', '../shared/data/jsb-chorales.json', 'jsb-chorales'),
  config: { kinds: ['tcn', 'lstm', 'gru'], targetParams: 300_000, models: { tcn: { kernelSize: 3, levels: 2 } } },
  plan: 'TCN (kernel 3, 2 levels, as Bai et al.), LSTM and GRU at 300K parameters each',
});

export const tcnCharPtb = tcnClaim({
  id: 'tcn-char-ptb',
  task: 'character-level PTB',
  paper: 'char PTB bits per character: TCN 1.31, LSTM 1.36, GRU 1.37 (TCN 3.7 % below the best recurrent; ~3M parameters)',
  accepts: isCharText,
  dataset: imported(
    (d) => d.kind === 'text' && (d.level ?? 'char') === 'char',
    /ptb|penn/i,
    'Character-level PTB',
    '../shared/data/ptb.valid.txt',
    'ptb-char',
  ),
  config: { kinds: ['tcn', 'lstm', 'gru'], targetParams: 100_000 },
  plan: 'TCN, LSTM and GRU at 100K parameters each (Bai et al.: ~3M, too slow for 2 cores)',
  display: (v) => `${(v / Math.LN2).toFixed(3)} bpc`,
});

/** A relative gap in words; ten times or more as a factor ("6,516 times the best one's"), since "651585 % above" reads as noise. */
function gapWords(gap: number): string {
  if (gap <= 0) return `${percent(gap)} below`;
  if (gap >= 9) return `${Math.round(1 + gap).toLocaleString('en-US')} times`;
  return `${percent(gap)} above`;
}
