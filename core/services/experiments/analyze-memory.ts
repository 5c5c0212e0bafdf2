// Experiment 4: valid loss of feed-forward models against their context, and
// the gradient-lag profile of the longest-context member (and of a recurrent
// run, when one was given).
import type { MemoryConfig } from '../../ml/experiments/experiment-config.ts';
import { gradientLagProfile, type LagProfile } from '../../ml/experiments/memory-profile.ts';
import { cell, type ExperimentResult, type PlotSeries } from '../../ml/experiments/result-types.ts';
import { receptiveFieldOfConfig } from '../../ml/models/receptive-field.ts';
import type { TaskData } from '../../ml/tasks/task-types.ts';
import { runConfigOf, type History } from '../../storage/history.ts';
import { loadRunModel } from '../runs.ts';
import { openTaskData } from '../../datasets/registry.ts';
import { windowLength } from './eval-windows.ts';
import { curvesPlot, lossUnit, memberNotes, runsTable, type MemberData } from './members.ts';
import { memoryTaskReadout } from './memory-task-table.ts';

/** Rows and positions the gradient profile averages over (one backward pass per position). */
const PROFILE_ROWS = 16;
const PROFILE_POSITIONS = 8;

export async function analyzeMemory(history: History, config: MemoryConfig, members: MemberData[]): Promise<ExperimentResult> {
  const dataset = history.getDataset(config.datasetId);
  if (!dataset) throw new Error(`datasetId: no dataset ${config.datasetId}`);
  const task = openTaskData(dataset);
  try {
    const unit = lossUnit(task.data.output);
    const contextMembers = members.filter((m) => m.member.role.startsWith('context-'));
    const recurrent = members.find((m) => m.member.role === 'recurrent');
    /** Recurrent members trained at the longest context member's parameter count (matchedRecurrent). */
    const matched = members.filter((m) => m.member.owned && !m.member.role.startsWith('context-'));
    const notes = memberNotes(members);
    const rf = (m: MemberData) => receptiveFieldOfConfig(runConfigOf(m.run).model);
    const contextOf = (m: MemberData) => Number(m.member.role.slice('context-'.length));

    // Gradient profiles: the longest-context member and the recurrent run.
    const T = windowLength(task.data, config.train);
    let J = config.maxLag ?? Math.max(...config.contexts);
    if (!task.data.stateful && J > T - 1) {
      notes.push(`maxLag ${J} cut to ${T - 1}: sequences are ${T} steps long`);
      J = T - 1;
    }
    const profiles: { name: string; profile: LagProfile }[] = [];
    const longest = contextMembers.at(-1);
    for (const m of [longest, recurrent, ...matched]) {
      if (!m) continue;
      if (history.listCheckpoints(m.run.id).length === 0) {
        notes.push(`${m.member.role} (run ${m.run.id}) has no checkpoint: no gradient profile`);
        continue;
      }
      profiles.push({ name: `${m.member.role} (run ${m.run.id})`, profile: await profileOf(history, m.run.id, task.data, J) });
    }

    const lossSeries: PlotSeries[] = [
      {
        name: `${config.kind}, final valid loss`,
        points: contextMembers.filter((m) => m.stats.finalValidLoss !== null).map((m) => [contextOf(m), m.stats.finalValidLoss!]),
      },
    ];
    if (recurrent?.stats.finalValidLoss != null && contextMembers.length > 0) {
      const loss = recurrent.stats.finalValidLoss;
      lossSeries.push({
        name: `recurrent run ${recurrent.run.id}`,
        points: [
          [contextOf(contextMembers[0]!), loss],
          [contextOf(contextMembers.at(-1)!), loss],
        ],
      });
    }
    for (const m of matched) {
      if (m.stats.finalValidLoss === null || contextMembers.length === 0) continue;
      lossSeries.push({
        name: `${m.member.role} (matched parameters)`,
        points: [
          [contextOf(contextMembers[0]!), m.stats.finalValidLoss],
          [contextOf(contextMembers.at(-1)!), m.stats.finalValidLoss],
        ],
      });
    }
    const readout = memoryTaskReadout(task.data, members, unit);
    if (readout) notes.push(...readout.notes);
    if (profiles.length)
      notes.push(
        `gradient norms ‖∂ℓ_t/∂x_{t−j}‖ averaged over ${profiles[0]!.profile.pairs} (row, position) pairs at positions ${profiles[0]!.profile.positions.join(', ')}; a feed-forward model's profile is exactly 0 beyond its receptive field (not drawn on the log scale)`,
      );

    return {
      notes,
      tables: [
        runsTable(members, unit, [
          { column: 'context asked', value: (m) => (m.member.role.startsWith('context-') ? contextOf(m) : null) },
          { column: 'receptive field', value: (m) => (Number.isFinite(rf(m)) ? rf(m) : 'unbounded') },
        ]),
        {
          name: 'gradient-lag',
          title: 'Mean gradient norm of the loss at t with respect to the input at t − j',
          columns: ['lag j', ...profiles.map((p) => p.name)],
          rows: Array.from({ length: J + 1 }, (_, j) => [j, ...profiles.map((p) => cell(p.profile.norms[j]))]),
        },
        ...(readout ? [readout.table] : []),
      ],
      plots: [
        {
          name: 'loss-vs-context',
          title: 'Valid loss against context length',
          x: { label: 'context (steps)', log: true },
          y: { label: `final valid loss (${unit})`, log: false },
          series: lossSeries,
        },
        {
          name: 'gradient-lag',
          title: 'Gradient of the loss at t with respect to the input at t − j',
          x: { label: 'lag j (steps)', log: false },
          y: { label: 'mean ‖∂ℓ_t / ∂x_{t−j}‖', log: true },
          series: profiles.map((p) => ({
            name: p.name,
            points: p.profile.norms.map((v, j) => [j, v] as [number, number]).filter(([, v]) => v > 0 && Number.isFinite(v)),
          })),
        },
        curvesPlot(
          members.filter((m) => m.member.owned),
          'valid-loss',
          'Valid loss during training',
          'validLoss',
          `valid loss (${unit})`,
        ),
        ...(readout ? readout.plots : []),
      ],
    };
  } finally {
    task.close();
  }
}

/** The profile of a stored run's model on the first valid batch, windows long enough for lag J. */
async function profileOf(history: History, runId: number, data: TaskData, J: number): Promise<LagProfile> {
  const loaded = loadRunModel(history, String(runId));
  try {
    const seqLen = Math.max(loaded.config.train.seqLen, J + PROFILE_POSITIONS);
    const first = data
      .evalBatches('valid', { batchSize: PROFILE_ROWS, seqLen, maxScored: PROFILE_ROWS * seqLen, context: 0 })
      [Symbol.iterator]()
      .next();
    if (first.done) throw new Error('data: the valid split is empty');
    const width = loaded.config.model.inputFeatures > 0 ? loaded.config.model.inputFeatures : loaded.config.model.vocabSize;
    return await gradientLagProfile(loaded.model, first.value, data.output, width, {
      maxLag: J,
      positions: PROFILE_POSITIONS,
      rows: PROFILE_ROWS,
    });
  } finally {
    loaded.model.dispose();
  }
}
