// Times training steps of the run's own workload: the run's model config,
// training config and task, through the same Trainer the run uses
// (core/ml/bench.ts's runBenchmark times only its fixed text shapes for four
// kinds; `auto` must measure every kind and task as it will train). Each
// probe builds its own copy of the model on the backend active when it
// starts; the run builds its model once the choice is made.
import { buildModel } from '../../ml/models/build-model.ts';
import type { ModelConfig } from '../../ml/models/model-config.ts';
import type { SequenceModel } from '../../ml/models/sequence-model.ts';
import type { TaskData } from '../../ml/tasks/task-types.ts';
import type { TrainConfig } from '../../ml/train/train-config.ts';
import { Trainer } from '../../ml/train/trainer.ts';

/** What a run will train: enough to time its steps on any backend. */
export interface TrainingWorkload {
  model: ModelConfig;
  train: TrainConfig;
  task: TaskData;
}

export interface StepTiming {
  /** Training positions (batch × time) per second in this step. */
  tokensPerSec: number;
  ms: number;
}

/**
 * A fresh model of the workload with its trainer, on the backend that was
 * active at start (its variables live there). TF.js keeps each tensor on the
 * backend that made it, so probes on different backends can take turns:
 * activate a probe's backend before its step.
 */
export class TrainingProbe {
  private constructor(
    private readonly model: SequenceModel,
    private readonly trainer: Trainer,
  ) {}

  /** Builds the model on the active backend and runs `warmupSteps` untimed steps (shader compilation, kernel caches, allocations). */
  static async start(workload: TrainingWorkload, warmupSteps = 1): Promise<TrainingProbe> {
    const model = buildModel(workload.model, workload.train.seed);
    let probe: TrainingProbe | undefined;
    try {
      probe = new TrainingProbe(model, new Trainer(model, workload.train, workload.task));
      for (let i = 0; i < warmupSteps; i++) await probe.step();
      return probe;
    } catch (e) {
      if (probe) probe.dispose();
      else model.dispose();
      throw e;
    }
  }

  /** One training step, timed by the trainer (it ends reading the loss back, so the device has finished). Throws on a non-finite loss. */
  async step(): Promise<StepTiming> {
    const before = this.trainer.elapsedMs;
    const row = await this.trainer.trainStep();
    if (!row) throw new Error('the loss became NaN or infinite while measuring');
    return { tokensPerSec: row.tokensPerSec, ms: this.trainer.elapsedMs - before };
  }

  dispose(): void {
    this.trainer.dispose();
    this.model.dispose();
  }
}
