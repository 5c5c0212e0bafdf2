// What every experiment's analysis reads about its member runs: the run rows,
// their metric curves and summary statistics, as tables and plot series.
import { curveSeries, summarizeRun, type CurveX, type CurveY, type RunSummaryStats } from '../../ml/experiments/curves.ts';
import { cell, type ResultPlot, type ResultTable } from '../../ml/experiments/result-types.ts';
import { lossUnitFor } from '../../ml/tasks/loss-unit.ts';
import {
  runConfigOf,
  type ExperimentMember,
  type ExperimentRecord,
  type History,
  type MetricRow,
  type RunRecord,
} from '../../storage/history.ts';

export interface MemberData {
  member: ExperimentMember;
  run: RunRecord;
  rows: MetricRow[];
  stats: RunSummaryStats;
}

/** Every member with its run and metrics, in position order. */
export function loadMembers(history: History, experiment: ExperimentRecord): MemberData[] {
  return experiment.members.map((member) => {
    const run = history.getRun(member.runId);
    if (!run) throw new Error(`experiment ${experiment.id}: its member run ${member.runId} (${member.role}) is gone`);
    const rows = history.getMetrics(run.id);
    return { member, run, rows, stats: summarizeRun(rows) };
  });
}

/**
 * Why a member's training ended: 'steps' (ran all), 'time' (its
 * timeLimitSeconds spent), 'plateau' (early stopping), or its status when it
 * did not complete (stopped, crashed, diverged, queued, running).
 */
export function endedBy(m: MemberData): string {
  if (m.run.status !== 'completed') return m.run.status;
  if (m.stats.steps >= m.run.totalSteps) return 'steps';
  const train = runConfigOf(m.run).train;
  if (train.timeLimitSeconds > 0 && (m.stats.wallSeconds ?? 0) >= train.timeLimitSeconds) return 'time';
  return train.patience > 0 ? 'plateau' : 'steps';
}

/** How a task's loss reads, for axis labels and column headers. */
export const lossUnit = lossUnitFor;

/** Sentences about members that did not complete: their numbers stop early. */
export function memberNotes(members: readonly MemberData[]): string[] {
  return members
    .filter((m) => m.member.owned && m.run.status !== 'completed')
    .map(
      (m) =>
        `${m.member.role} (run ${m.run.id}) ${m.run.status} at step ${Math.max(0, m.run.step)} of ${m.run.totalSteps}${m.run.error ? `: ${m.run.error}` : ''}; its numbers are those of its last recorded step`,
    );
}

/**
 * The 'runs' table: one row per member with its final and best losses and its
 * training time. `extra` adds columns computed per member.
 */
export function runsTable(
  members: readonly MemberData[],
  unit: string,
  extra: { column: string; value: (m: MemberData) => number | string | null }[] = [],
): ResultTable {
  return {
    name: 'runs',
    title: 'Member runs',
    columns: [
      'role',
      'run',
      'model',
      'parameters',
      'status',
      'steps',
      `final train loss (${unit})`,
      `final valid loss (${unit})`,
      `best valid loss (${unit})`,
      'train time (s)',
      ...extra.map((e) => e.column),
    ],
    rows: members.map((m) => [
      m.member.role,
      m.run.id,
      m.run.modelKind,
      m.run.paramCount,
      m.run.status,
      m.stats.steps,
      cell(m.stats.finalTrainLoss),
      cell(m.stats.finalValidLoss),
      cell(m.stats.bestValidLoss),
      cell(m.stats.wallSeconds),
      ...extra.map((e) => {
        const v = e.value(m);
        return typeof v === 'number' ? cell(v) : v;
      }),
    ]),
  };
}

/** A plot of one metric of every member against steps or training seconds. */
export function curvesPlot(
  members: readonly MemberData[],
  name: string,
  title: string,
  y: CurveY,
  yLabel: string,
  opts: { x?: CurveX; yLog?: boolean } = {},
): ResultPlot {
  const x = opts.x ?? 'step';
  return {
    name,
    title,
    x: { label: x === 'step' ? 'step' : 'training time (s)', log: false },
    y: { label: yLabel, log: opts.yLog ?? false },
    series: members.map((m) => curveSeries(m.member.role, m.rows, y, x)).filter((s) => s.points.length > 0),
  };
}
