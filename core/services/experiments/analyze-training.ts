// Experiments 2, 3 and 5 compare member runs trained side by side: their
// curves and final numbers; "truncated vs recurrent" also measures how close
// the two trained models' outputs and weights ended up.
import * as tf from '@tensorflow/tfjs';
import type { RecurrentVsConvConfig, TruncatedVsRecurrentConfig } from '../../ml/experiments/experiment-config.ts';
import { widthField } from '../../ml/experiments/matched-params.ts';
import { comparePredictors } from '../../ml/experiments/paired-outputs.ts';
import { cell, type ExperimentResult } from '../../ml/experiments/result-types.ts';
import { isRecurrentModel } from '../../ml/models/recurrent-model.ts';
import type { SequenceModel } from '../../ml/models/sequence-model.ts';
import { truncatedForward } from '../../ml/models/truncated.ts';
import { runConfigOf, type History } from '../../storage/history.ts';
import { loadRunModel } from '../runs.ts';
import { lossUnitOf, openTaskData } from '../../datasets/registry.ts';
import { evalOptions } from './eval-windows.ts';
import { curvesPlot, memberNotes, runsTable, type MemberData } from './members.ts';

/** Loss unit of the dataset all members share, from its record (no need to open its data). */
export function unitOf(history: History, datasetId: number): string {
  const dataset = history.getDataset(datasetId);
  if (!dataset) throw new Error(`datasetId: no dataset ${datasetId}`);
  return lossUnitOf(dataset);
}

export function analyzeStability(history: History, datasetId: number, members: MemberData[]): ExperimentResult {
  const unit = unitOf(history, datasetId);
  return {
    notes: [
      ...memberNotes(members),
      "stability bound: the largest spectral norm ‖U‖₂ of the RNN's recurrent matrices, or the LSTM constraint's bound; contraction: mean ‖∂h_t/∂h_{t−1}‖₂ along validation trajectories (below 1: contractive on this data)",
    ],
    tables: [
      runsTable(members, unit, [
        { column: 'final stability bound', value: (m) => m.stats.finalStabilityBound },
        { column: 'final contraction', value: (m) => m.stats.finalContraction },
      ]),
    ],
    plots: [
      curvesPlot(members, 'valid-loss', 'Valid loss', 'validLoss', `valid loss (${unit})`),
      curvesPlot(members, 'train-loss', 'Train loss', 'trainLoss', `train loss (${unit})`),
      curvesPlot(members, 'stability-bound', 'Stability bound (spectral norm) during training', 'stabilityBound', 'bound'),
      curvesPlot(members, 'contraction', 'Data-dependent contraction during training', 'contraction', 'mean ‖∂h_t/∂h_{t−1}‖'),
    ],
  };
}

export function analyzeRecurrentVsConv(history: History, config: RecurrentVsConvConfig, members: MemberData[]): ExperimentResult {
  const unit = unitOf(history, config.datasetId);
  const model = (m: MemberData) => runConfigOf(m.run).model;
  const width = (m: MemberData): number | null => {
    const c = model(m) as Record<string, unknown>;
    const v = c.kind === 'wavenet' ? c['residualChannels'] : c['hiddenSize'];
    return typeof v === 'number' ? v : null;
  };
  return {
    notes: [
      ...memberNotes(members),
      `widths searched so that every model has ${config.targetParams.toLocaleString('en')} parameters ± 5% (${members.map((m) => `${m.member.role}: ${widthField(model(m).kind)} ${width(m)}`).join(', ')})`,
    ],
    tables: [
      runsTable(members, unit, [
        { column: 'width', value: width },
        { column: 'parameters vs target', value: (m) => (m.run.paramCount - config.targetParams) / config.targetParams },
      ]),
    ],
    plots: [
      curvesPlot(members, 'valid-loss-vs-step', 'Valid loss against steps', 'validLoss', `valid loss (${unit})`),
      curvesPlot(members, 'valid-loss-vs-time', 'Valid loss against training time', 'validLoss', `valid loss (${unit})`, { x: 'seconds' }),
      curvesPlot(members, 'train-loss-vs-step', 'Train loss against steps', 'trainLoss', `train loss (${unit})`),
    ],
  };
}

export async function analyzeTruncatedVsRecurrent(
  history: History,
  config: TruncatedVsRecurrentConfig,
  members: MemberData[],
): Promise<ExperimentResult> {
  const unit = unitOf(history, config.datasetId);
  const notes = memberNotes(members);
  const tables = [runsTable(members, unit)];
  const byRole = (role: string) => members.find((m) => m.member.role === role)!;
  const [rec, trunc] = [byRole('recurrent'), byRole('truncated')];
  if (history.listCheckpoints(rec.run.id).length && history.listCheckpoints(trunc.run.id).length) {
    const a = loadRunModel(history, String(rec.run.id));
    const b = loadRunModel(history, String(trunc.run.id));
    const task = openTaskData(a.dataset);
    try {
      if (!isRecurrentModel(a.model)) throw new Error(`run ${rec.run.id} is not a recurrent model`);
      const recurrentModel = a.model;
      const r = await comparePredictors(
        recurrentModel,
        [
          { context: config.k - 1, forward: (x) => b.model.forward(x, null, { training: false }).logits },
          { context: config.k - 1, forward: (x) => truncatedForward(recurrentModel, x, config.k) },
        ],
        task.data,
        evalOptions(config.train),
      );
      const [twin, own] = r.predictors as [(typeof r.predictors)[0], (typeof r.predictors)[0]];
      const weights = await relativeWeightDistance(a.model, b.model);
      notes.push(
        `outputs compared on ${r.scored} valid positions; distances are mean Euclidean norms of the difference of the raw outputs (logits), read against the recurrent model's mean output norm ${r.reference.norm.toPrecision(4)}`,
      );
      tables.push({
        name: 'closeness',
        title: `How close the trained recurrent model and its trained ${config.k}-truncated twin are`,
        columns: ['measure', 'value'],
        rows: [
          [`valid loss, recurrent (${unit})`, cell(r.reference.loss)],
          [`valid loss, truncated twin (${unit})`, cell(twin.loss)],
          [`valid loss, recurrent model cut to k = ${config.k} (${unit})`, cell(own.loss)],
          ['mean ‖y_recurrent − y_twin‖', cell(twin.distance)],
          ['relative to mean ‖y_recurrent‖', cell(twin.distance / r.reference.norm)],
          [`mean ‖y_recurrent − y_recurrent^${config.k}‖ (its own truncation)`, cell(own.distance)],
          ['‖w_recurrent − w_twin‖ / ‖w_recurrent‖', cell(weights)],
        ],
      });
    } finally {
      task.close();
      a.model.dispose();
      b.model.dispose();
    }
  } else notes.push('a member has no checkpoint: the trained models could not be compared');
  return {
    notes,
    tables,
    plots: [
      curvesPlot(members, 'valid-loss', 'Valid loss', 'validLoss', `valid loss (${unit})`),
      curvesPlot(members, 'train-loss', 'Train loss', 'trainLoss', `train loss (${unit})`),
    ],
  };
}

/**
 * ‖a − b‖ / ‖a‖ over the parameters both models hold under the same name (a truncated model keeps its base's names); null if none match.
 * Read back asynchronously, so it runs on any backend (on webgpu only an asynchronous read exists).
 */
async function relativeWeightDistance(a: SequenceModel, b: SequenceModel): Promise<number | null> {
  const other = new Map(b.variables.map((v) => [v.name, v.variable]));
  let diff = 0;
  let norm = 0;
  let matched = 0;
  for (const { name, variable } of a.variables) {
    const w = other.get(name);
    if (!w || w.size !== variable.size) continue;
    matched++;
    const sums = tf.tidy(() => tf.stack([tf.sum(tf.square(tf.sub(variable, w))), tf.sum(tf.square(variable))]));
    const [d, n] = (await sums.data()) as Float32Array;
    sums.dispose();
    diff += d!;
    norm += n!;
  }
  return matched > 0 && norm > 0 ? Math.sqrt(diff / norm) : null;
}
