// Experiment 2 read as Miller & Hardt's two halves (issue 18): what the
// stability constraint cost (valid loss against λ, next to the unconstrained
// model) and how close to feed-forward each member is (a truncation sweep per
// member: ‖y − yᵏ‖ against k, and the decay rate it fits). The measured
// contraction per λ shows the constraint holds on real trajectories.
import type { StabilityConfig } from '../../ml/experiments/experiment-config.ts';
import { cell, type ExperimentResult, type ResultPlot, type ResultTable } from '../../ml/experiments/result-types.ts';
import { truncationSweep, type TruncationSweep } from '../../ml/experiments/truncation-sweep.ts';
import { isRecurrentModel } from '../../ml/models/recurrent-model.ts';
import type { ModelConfig } from '../../ml/models/model-config.ts';
import type { TaskData } from '../../ml/tasks/task-types.ts';
import { openTaskData } from '../../datasets/registry.ts';
import { runConfigOf, type History } from '../../storage/history.ts';
import { loadRunModel } from '../runs.ts';
import { analyzeStability } from './analyze-training.ts';
import { evalOptions, fitContraction, windowLength } from './eval-windows.ts';
import { endedBy, lossUnit, type MemberData } from './members.ts';

/** Relative output distance below which a k-truncated model counts as the full one. */
const FEED_FORWARD_TOLERANCE = 1e-3;

interface Constraint {
  kind: string;
  /** 'none', 'spectral norm ≤ λ' or 'fixed gate norms (Miller & Hardt)'. */
  text: string;
  lambda: number | null;
}

function constraintOf(model: ModelConfig): Constraint {
  if (model.kind === 'rnn' && typeof model.spectralBound === 'number')
    return { kind: 'rnn', text: 'spectral norm ≤ λ', lambda: model.spectralBound };
  if (model.kind === 'lstm' && model.stabilize) return { kind: 'lstm', text: 'fixed gate norms (Miller & Hardt)', lambda: null };
  return { kind: model.kind, text: 'none', lambda: null };
}

interface MemberSweep {
  member: MemberData;
  constraint: Constraint;
  sweep: TruncationSweep | null;
  /** Fitted λ of distance ≈ c·λᵏ, or null. */
  decay: number | null;
  /** Smallest k whose relative distance is below FEED_FORWARD_TOLERANCE, or null. */
  feedForwardK: number | null;
}

export async function analyzeStabilityExperiment(
  history: History,
  config: StabilityConfig,
  members: MemberData[],
): Promise<ExperimentResult> {
  const base = analyzeStability(history, config.datasetId, members);
  const dataset = history.getDataset(config.datasetId);
  if (!dataset) throw new Error(`datasetId: no dataset ${config.datasetId}`);
  const task = openTaskData(dataset);
  try {
    const unit = lossUnit(task.data.output);
    const notes = [...base.notes];
    const sweeps: MemberSweep[] = [];
    for (const m of members) sweeps.push(await sweepMember(history, m, config, task.data, notes));
    const table = lambdaTable(sweeps, unit);
    notes.push(
      `λ sweep: each stable RNN's recurrent matrix is projected to spectral norm ≤ λ after every step; the LSTM is ${config.kinds?.includes('lstm') || config.model.kind === 'lstm' ? "trained with the authors' fixed gate norms, which have no λ (so it is not swept)" : 'not part of this experiment'}; "vs unconstrained" compares best valid losses with the unconstrained member of the same kind`,
      `truncation sweep per member on ${sweeps.find((s) => s.sweep)?.sweep?.scored ?? 0} valid positions: a member is as good as feed-forward with context k once its relative distance ‖y − yᵏ‖/‖y‖ is below ${FEED_FORWARD_TOLERANCE}`,
    );
    if (task.data.baselineLoss !== null) notes.push(`the task's trivial baseline: ${task.data.baselineLoss.toPrecision(4)} ${unit}`);
    return {
      notes,
      tables: [...base.tables, table, truncationTable(sweeps, unit)],
      plots: [...base.plots, ...lambdaPlots(sweeps, unit, task.data.baselineLoss), truncationPlot(sweeps)],
    };
  } finally {
    task.close();
  }
}

async function sweepMember(
  history: History,
  m: MemberData,
  config: StabilityConfig,
  data: TaskData,
  notes: string[],
): Promise<MemberSweep> {
  const runConfig = runConfigOf(m.run);
  const constraint = constraintOf(runConfig.model);
  if (history.listCheckpoints(m.run.id).length === 0) {
    notes.push(`${m.member.role} (run ${m.run.id}) has no checkpoint: no truncation sweep`);
    return { member: m, constraint, sweep: null, decay: null, feedForwardK: null };
  }
  const loaded = loadRunModel(history, String(m.run.id));
  try {
    if (!isRecurrentModel(loaded.model)) throw new Error(`run ${m.run.id} is not a recurrent model`);
    const T = windowLength(data, runConfig.train);
    const ks = config.truncationKs.filter((k) => k <= T);
    if (ks.length === 0) return { member: m, constraint, sweep: null, decay: null, feedForwardK: null };
    const sweep = await truncationSweep(
      loaded.model,
      data,
      ks,
      evalOptions(runConfig.train, Math.min(config.truncationTokens, runConfig.train.validTokens)),
    );
    const truncated = sweep.rows.filter((r): r is { k: number; loss: number; distance: number } => r.k !== null);
    const decay = fitContraction(truncated, sweep.outputNorm * 1e-5);
    const feedForwardK = truncated.find((r) => r.distance / sweep.outputNorm < FEED_FORWARD_TOLERANCE)?.k ?? null;
    return { member: m, constraint, sweep, decay, feedForwardK };
  } finally {
    loaded.model.dispose();
  }
}

function lambdaTable(sweeps: readonly MemberSweep[], unit: string): ResultTable {
  const free = new Map(sweeps.filter((s) => s.constraint.text === 'none').map((s) => [s.constraint.kind, s.member.stats.bestValidLoss]));
  return {
    name: 'lambda-sweep',
    title: 'What stability cost, and how close to feed-forward each member is',
    columns: [
      'role',
      'model',
      'constraint',
      'lambda',
      'steps',
      'ended by',
      `final valid loss (${unit})`,
      `best valid loss (${unit})`,
      'vs unconstrained (%)',
      'final stability bound',
      'final contraction',
      'fitted decay λ (truncation)',
      `k for ${FEED_FORWARD_TOLERANCE} relative distance`,
    ],
    rows: sweeps.map((s) => {
      const best = s.member.stats.bestValidLoss;
      const reference = free.get(s.constraint.kind) ?? null;
      return [
        s.member.member.role,
        s.member.run.modelKind,
        s.constraint.text,
        s.constraint.lambda,
        s.member.stats.steps,
        endedBy(s.member),
        cell(s.member.stats.finalValidLoss),
        cell(best),
        best !== null && reference ? cell((100 * (best - reference)) / reference) : null,
        cell(s.member.stats.finalStabilityBound),
        cell(s.member.stats.finalContraction),
        cell(s.decay),
        s.feedForwardK,
      ];
    }),
  };
}

function truncationTable(sweeps: readonly MemberSweep[], unit: string): ResultTable {
  const rows: ResultTable['rows'] = [];
  for (const s of sweeps) {
    if (!s.sweep) continue;
    for (const r of s.sweep.rows)
      rows.push([s.member.member.role, r.k ?? 'full', cell(r.loss), cell(r.distance), cell(r.distance / s.sweep.outputNorm)]);
  }
  return {
    name: 'truncation',
    title: 'k-truncated version of every member',
    columns: ['role', 'k', `valid loss (${unit})`, 'distance ‖y − yᵏ‖', 'relative distance'],
    rows,
  };
}

/** Loss and contraction against λ; constant members (unconstrained, the LSTM) as flat lines across the λ range. */
function lambdaPlots(sweeps: readonly MemberSweep[], unit: string, baseline: number | null): ResultPlot[] {
  const swept = sweeps.filter((s) => s.constraint.lambda !== null).sort((a, b) => a.constraint.lambda! - b.constraint.lambda!);
  if (swept.length === 0) return [];
  const lo = swept[0]!.constraint.lambda!;
  const hi = swept.at(-1)!.constraint.lambda!;
  const flat = (name: string, y: number | null) =>
    y === null || !Number.isFinite(y)
      ? []
      : [
          {
            name,
            points: [
              [lo, y],
              [hi, y],
            ] as [number, number][],
          },
        ];
  const points = (y: (s: MemberSweep) => number | null) =>
    swept.flatMap((s) => {
      const v = y(s);
      return v === null || !Number.isFinite(v) ? [] : [[s.constraint.lambda!, v] as [number, number]];
    });
  const others = sweeps.filter((s) => s.constraint.lambda === null);
  return [
    {
      name: 'loss-vs-lambda',
      title: 'Best valid loss against λ (stable RNN), beside the unconstrained models',
      x: { label: 'λ (spectral bound)', log: false },
      y: { label: `best valid loss (${unit})`, log: false },
      series: [
        { name: 'rnn stable', points: points((s) => s.member.stats.bestValidLoss) },
        ...others.flatMap((s) => flat(s.member.member.role, s.member.stats.bestValidLoss)),
        ...flat('baseline', baseline),
      ],
    },
    {
      name: 'contraction-vs-lambda',
      title: 'Measured contraction against λ',
      x: { label: 'λ (spectral bound)', log: false },
      y: { label: 'mean ‖∂h_t/∂h_{t−1}‖', log: false },
      series: [
        { name: 'measured contraction', points: points((s) => s.member.stats.finalContraction) },
        { name: 'λ (the bound)', points: swept.map((s) => [s.constraint.lambda!, s.constraint.lambda!] as [number, number]) },
        ...others
          .filter((s) => s.constraint.kind === 'rnn')
          .flatMap((s) => flat(`${s.member.member.role} (measured)`, s.member.stats.finalContraction)),
      ],
    },
  ];
}

function truncationPlot(sweeps: readonly MemberSweep[]): ResultPlot {
  return {
    name: 'truncation-distance',
    title: "Relative distance ‖y − yᵏ‖/‖y‖ of each member's k-truncated version",
    x: { label: 'context k (steps)', log: false },
    y: { label: 'relative distance', log: true },
    series: sweeps.flatMap((s) =>
      s.sweep
        ? [
            {
              name: s.member.member.role,
              points: s.sweep.rows
                .filter((r) => r.k !== null && r.distance > 0 && Number.isFinite(r.distance))
                .map((r) => [r.k!, r.distance / s.sweep!.outputNorm] as [number, number]),
            },
          ]
        : [],
    ),
  };
}
