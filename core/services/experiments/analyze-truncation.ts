// Experiment 1: the truncation sweep of a trained recurrent run.
import type { TruncationConfig } from '../../ml/experiments/experiment-config.ts';
import { cell, type ExperimentResult } from '../../ml/experiments/result-types.ts';
import { defaultKs, truncationSweep } from '../../ml/experiments/truncation-sweep.ts';
import { isRecurrentModel } from '../../ml/models/recurrent-model.ts';
import type { History } from '../../storage/history.ts';
import { loadRunModel } from '../runs.ts';
import { openTaskData } from '../../datasets/registry.ts';
import { evalOptions, fitContraction, windowLength } from './eval-windows.ts';
import { lossUnit } from './members.ts';

export async function analyzeTruncation(history: History, config: TruncationConfig): Promise<ExperimentResult> {
  const loaded = loadRunModel(history, String(config.runId));
  const task = openTaskData(loaded.dataset);
  try {
    const { model } = loaded;
    if (!isRecurrentModel(model)) throw new Error(`runId: run ${config.runId} is not a recurrent model`);
    const train = loaded.config.train;
    const T = windowLength(task.data, train);
    const asked = config.ks ?? defaultKs(T);
    const ks = asked.filter((k) => k <= T);
    const notes: string[] = [];
    if (ks.length < asked.length) notes.push(`k above the window length ${T} dropped: ${asked.filter((k) => k > T).join(', ')}`);
    if (ks.length === 0) throw new Error(`ks: every k is above the window length ${T}`);
    const sweep = await truncationSweep(model, task.data, ks, evalOptions(train, config.validTokens));
    const unit = lossUnit(task.data.output);
    const truncated = sweep.rows.filter((r) => r.k !== null) as { k: number; loss: number; distance: number }[];
    const full = sweep.rows.find((r) => r.k === null)!;
    // float32 logits carry ~1e-7 relative round-off; accumulated over a window, ~1e-5 of the output norm is noise.
    const floor = sweep.outputNorm * 1e-5;
    const lambda = fitContraction(truncated, floor);
    notes.push(
      `run ${loaded.run.id} (${loaded.config.model.kind}, step ${loaded.step}) on "${loaded.dataset.name}": ${sweep.scored} valid positions scored; distances are mean Euclidean norms of the difference of the raw outputs (logits), the full model's outputs having mean norm ${sweep.outputNorm.toPrecision(4)}`,
    );
    if (lambda !== null)
      notes.push(
        `distance ≈ c·λᵏ with λ ≈ ${lambda.toPrecision(3)} (least-squares fit of log distance on k, over the k whose distance is above the float32 round-off floor ${floor.toPrecision(2)})${lambda < 1 ? '' : ': no geometric decay, the model does not look contractive on this data'}`,
      );
    const lo = truncated[0]!.k;
    const hi = truncated.at(-1)!.k;
    return {
      notes,
      tables: [
        {
          name: 'truncation',
          title: 'k-truncated model against the full recurrent model',
          columns: ['k', `valid loss (${unit})`, 'distance ‖y − yᵏ‖', 'relative distance'],
          rows: [
            ...truncated.map((r) => [r.k, cell(r.loss), cell(r.distance), cell(r.distance / sweep.outputNorm)]),
            ['full', cell(full.loss), 0, 0],
          ],
        },
      ],
      plots: [
        {
          name: 'truncation-loss',
          title: 'Valid loss of the k-truncated model',
          x: { label: 'context k (steps)', log: true },
          y: { label: `valid loss (${unit})`, log: false },
          series: [
            { name: 'k-truncated', points: truncated.filter((r) => Number.isFinite(r.loss)).map((r) => [r.k, r.loss]) },
            {
              name: 'full model',
              points: Number.isFinite(full.loss)
                ? [
                    [lo, full.loss],
                    [hi, full.loss],
                  ]
                : [],
            },
          ],
        },
        {
          name: 'truncation-distance',
          title: 'Distance between the full and the k-truncated outputs',
          x: { label: 'context k (steps)', log: false },
          y: { label: 'mean ‖y − yᵏ‖', log: true },
          series: [
            {
              name: 'distance',
              points: truncated.filter((r) => r.distance > 0 && Number.isFinite(r.distance)).map((r) => [r.k, r.distance]),
            },
          ],
        },
      ],
    };
  } finally {
    task.close();
    loaded.model.dispose();
  }
}
