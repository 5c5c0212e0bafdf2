// Messages between a training worker (a child process, or a worker thread in
// Electron) and the host that started it. The worker writes metrics and
// checkpoints to the history itself; these messages only report progress and
// carry the stop request.
import type { StepMetrics } from '../ml/train/trainer.ts';
import type { AudioSampleRecord, SampleRecord } from '../storage/history.ts';

export interface StartTraining {
  type: 'start';
  runId: number;
  dataDir: string;
  /** Continue from the run's last checkpoint instead of from step 0. */
  resume: boolean;
  /**
   * The pid the run is owned under: the host's. The host outlives its worker
   * and answers for the run (it records a worker's crash), and a host that
   * dies takes its worker with it, so the run is free again exactly when
   * this pid is gone.
   */
  ownerPid: number;
  /**
   * A sweep trial's bundle work folder (core/services/sweep-bundles/): the
   * worker records the run there instead of in the history. Absent for every
   * other run.
   */
  bundleDir?: string;
  /**
   * Stop (with a checkpoint, status 'stopped') once the run reaches this step:
   * a halving rung's end. Checked by the worker before each step, so the run
   * ends exactly there; a stop message from the host arrives some steps late.
   */
  stopAtStep?: number;
}

export interface StopTraining {
  type: 'stop';
}

export type ToWorker = StartTraining | StopTraining;

export type FinalStatus = 'completed' | 'stopped' | 'diverged' | 'crashed';

export type TrainingEvent =
  | {
      type: 'started';
      runId: number;
      backend: string;
      device: string;
      step: number;
      totalSteps: number;
      paramCount: number;
      resumedFrom: number | null;
    }
  | { type: 'progress'; runId: number; totalSteps: number; metrics: StepMetrics }
  | { type: 'checkpoint'; runId: number; step: number }
  | { type: 'sample'; runId: number; sample: SampleRecord }
  /** Audio generated between steps (audio datasets with sampleEvery > 0), already stored. */
  | { type: 'audioSample'; runId: number; sample: AudioSampleRecord }
  | { type: 'done'; runId: number; status: FinalStatus; step: number; validLoss: number | null; error: string | null };
