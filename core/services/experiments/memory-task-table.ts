// The memory-task read-out of experiment 4 (issue 18): per member its final
// and best valid loss, the recall accuracy of copy memory, the memoryless
// baseline and whether Bai et al.'s task counts as solved at this budget.
import { memoryTaskSolved, memoryTaskTarget } from '../../ml/experiments/memory-task.ts';
import { cell, type ResultPlot, type ResultTable } from '../../ml/experiments/result-types.ts';
import { receptiveFieldOfConfig } from '../../ml/models/receptive-field.ts';
import type { TaskData } from '../../ml/tasks/task-types.ts';
import { runConfigOf } from '../../storage/history.ts';
import { curvesPlot, endedBy, type MemberData } from './members.ts';

export interface MemoryTaskReadout {
  notes: string[];
  table: ResultTable;
  plots: ResultPlot[];
}

/** Null for tasks with no memory-task target (text, music, audio). */
export function memoryTaskReadout(task: TaskData, members: readonly MemberData[], unit: string): MemoryTaskReadout | null {
  const target = memoryTaskTarget(task.task, task.baselineLoss);
  if (target === null) return null;
  const owned = members.filter((m) => m.member.owned);
  const copy = task.task === 'copy';
  const baseline = task.baselineLoss;
  const rf = (m: MemberData) => receptiveFieldOfConfig(runConfigOf(m.run).model);
  const solved = (m: MemberData) => memoryTaskSolved(task.task, m.stats.finalValidLoss, m.stats.finalValidAccuracy);
  const table: ResultTable = {
    name: 'memory-task',
    title: copy ? 'Copy memory: loss, recall accuracy and the memoryless baseline' : 'Adding problem: MSE against the baseline',
    columns: [
      'role',
      'model',
      'parameters',
      'receptive field',
      'steps',
      'train time (s)',
      'ended by',
      `final valid loss (${unit})`,
      `best valid loss (${unit})`,
      'recall accuracy',
      `baseline (${unit})`,
      'loss / baseline',
      'solved',
    ],
    rows: owned.map((m) => {
      const s = solved(m);
      return [
        m.member.role,
        m.run.modelKind,
        m.run.paramCount,
        Number.isFinite(rf(m)) ? rf(m) : 'unbounded',
        m.stats.steps,
        cell(m.stats.wallSeconds),
        endedBy(m),
        cell(m.stats.finalValidLoss),
        cell(m.stats.bestValidLoss),
        copy ? cell(m.stats.finalValidAccuracy) : null,
        cell(baseline),
        baseline && m.stats.finalValidLoss !== null ? cell(m.stats.finalValidLoss / baseline) : null,
        s === null ? '-' : s ? 'yes' : 'no',
      ];
    }),
  };
  const verdicts = owned.map(
    (m) =>
      `${m.member.role} ${solved(m) ? 'solved it' : 'did not solve it'} (valid ${m.stats.finalValidLoss?.toPrecision(3) ?? '-'}${copy ? `, recall ${m.stats.finalValidAccuracy?.toFixed(3) ?? '-'}` : ''}, ${m.stats.steps} steps in ${m.stats.wallSeconds?.toFixed(0) ?? '-'} s)`,
  );
  const notes = [`memory task: ${target}; ${verdicts.join('; ')}`];
  const vsTime = curvesPlot(
    owned,
    'valid-loss-vs-time',
    'Valid loss against training time (equal wall-clock budget)',
    'validLoss',
    `valid loss (${unit})`,
    { x: 'seconds', yLog: true },
  );
  const longest = Math.max(0, ...owned.map((m) => m.stats.wallSeconds ?? 0));
  if (baseline !== null && longest > 0)
    vsTime.series.push({
      name: 'baseline (memoryless)',
      points: [
        [0, baseline],
        [longest, baseline],
      ],
    });
  const plots = [vsTime];
  if (copy)
    plots.push(curvesPlot(owned, 'recall-accuracy', 'Recall accuracy of the 10 copied symbols', 'validAccuracy', 'recall accuracy'));
  return { notes, table, plots };
}
