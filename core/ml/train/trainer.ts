// The training loop: batches from a task (TBPTT windows for text, whole
// sequences for episodic tasks), Adam/SGD, global-norm clipping, LR schedule,
// the model's constraint after every update, periodic validation with
// stability read-outs, checkpoints, NaN/Inf detection. Pure: it reads data
// through a TaskData and reports through a TrainerSink; it never touches
// files, the database or threads. Step numbers count completed updates.
import * as tf from '@tensorflow/tfjs';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';
import { Rng } from '../rng.ts';
import type { CheckpointSnapshot, PlateauState } from './checkpoint.ts';
import type { Batch, BatchStream, TaskData } from '../tasks/task-types.ts';
import { evaluateTask, type EvaluateResult } from './evaluate.ts';
import { learningRateAt } from './schedule.ts';
import type { TrainConfig } from './train-config.ts';
import { createTrainStep, type TrainStepRunner } from './train-step.ts';

export interface StepMetrics {
  step: number;
  /** Training time so far, ms, summed over resumes. */
  wallMs: number;
  /** Mean loss per scored position: nats (categorical, bernoulli) or MSE (regression). */
  trainLoss: number;
  /** Set on validation steps. */
  validLoss: number | null;
  /** trainLoss in bits (loss / ln 2) for categorical tasks, else null. */
  bitsPerSymbol: number | null;
  /** Validation accuracy of categorical episodic tasks (copy memory), set on validation steps. */
  validAccuracy: number | null;
  /** Model's stability read-out (spectral norm of the recurrent matrix, or the LSTM constraint's bound), on validation steps. */
  stabilityBound: number | null;
  /** Mean ‖∂s_t/∂s_{t−1}‖₂ along real trajectories (data-dependent contraction), on validation steps. */
  contraction: number | null;
  /** Input positions (batch × time) processed per second. */
  tokensPerSec: number;
  /** Gradient norm before clipping. */
  gradNorm: number;
  lr: number;
}

/** Measurements the trainer takes at validation steps, provided by the caller (kept out of the loop's imports). */
export interface TrainerProbes {
  /** Mean state-Jacobian norm of a recurrent model along the trajectory of one batch. */
  contraction?: (model: SequenceModel, batch: Batch) => Promise<number | null>;
}

/**
 * How a run ended. A completed run says why it ended before `steps` when it
 * did: 'plateau' (no new best valid loss in `patience` validations) or 'time'
 * (the `timeLimitSeconds` budget was spent).
 */
export type TrainOutcome =
  { status: 'completed'; endedBy?: 'plateau' | 'time' } | { status: 'stopped' } | { status: 'diverged'; error: string };

export interface TrainerSink {
  onMetrics(row: StepMetrics): void | Promise<void>;
  onCheckpoint(snapshot: CheckpointSnapshot): void | Promise<void>;
  /** Polled between steps; true ends the run with status 'stopped' after a checkpoint. */
  shouldStop(): boolean;
}

export class Trainer {
  step = 0;
  elapsedMs = 0;
  private readonly rng: Rng;
  /** Forward, backward, clipping and the update: TF.js, or a backend's whole step (train-step.ts). */
  private readonly stepper: TrainStepRunner;
  private readonly batches: BatchStream;
  private state: ModelState = null;
  /** Early stopping: best valid loss and validations since it (carried in checkpoints). */
  private plateau: PlateauState = { best: Infinity, since: 0 };

  constructor(
    private readonly model: SequenceModel,
    private readonly config: TrainConfig,
    private readonly data: TaskData,
    /** Optional read-out of data-dependent contraction, measured on a validation batch at validation steps. */
    private readonly probes: TrainerProbes = {},
  ) {
    if (model.config.vocabSize !== data.outputSize)
      throw new Error(`model: output width ${model.config.vocabSize} does not match the task's ${data.outputSize}`);
    if (model.config.inputFeatures !== data.inputFeatures)
      throw new Error(`model: inputFeatures ${model.config.inputFeatures} does not match the task's ${data.inputFeatures}`);
    this.rng = new Rng(config.seed ^ 0x5eed);
    this.stepper = createTrainStep({ model, data, optimizer: config.optimizer, clip: config.clip, rng: this.rng });
    this.batches = data.trainStream(config.batchSize, config.seqLen, config.seed);
  }

  /** Which training step runs: 'tfjs', or a backend's whole step (e.g. 'native-recurrent'); models never know. */
  get stepPath(): string {
    return this.stepper.path;
  }

  /** One optimiser step. Returns null (and applies nothing) when the loss is not finite. */
  async trainStep(): Promise<StepMetrics | null> {
    const started = performance.now();
    const batch = this.batches.next();
    const [rows, time] = batch.inputShape as [number, number];
    if (this.model.recurrent && (batch.reset || !this.data.stateful || !this.state || this.state[0]!.shape[0] !== rows))
      this.resetState(rows);
    const lr = learningRateAt(this.step, this.config);
    const { loss, norm, applied, state } = await this.stepper.run(batch, this.state, lr);
    this.disposeState();
    this.state = state;
    if (!applied) return null; // the runner has projected a constrained model (TrainStepRunner.run)
    this.step++;
    const ms = performance.now() - started;
    this.elapsedMs += ms;
    return {
      step: this.step,
      wallMs: this.elapsedMs,
      trainLoss: loss,
      validLoss: null,
      bitsPerSymbol: this.data.output === 'categorical' ? loss / Math.LN2 : null,
      validAccuracy: null,
      stabilityBound: null,
      contraction: null,
      tokensPerSec: (rows * time) / (ms / 1000),
      gradNorm: norm,
      lr,
    };
  }

  /** Loss (and accuracy for episodic categorical tasks) on the valid split. */
  evaluate(): Promise<EvaluateResult> {
    return evaluateTask(this.model, this.data, 'valid', {
      batchSize: this.config.batchSize,
      seqLen: this.config.seqLen,
      maxScored: this.config.validTokens,
      accuracy: !this.data.stateful,
    });
  }

  /** Validation loss and the stability read-outs, written into a metrics row. */
  private async validate(row: StepMetrics): Promise<void> {
    const result = await this.evaluate();
    row.validLoss = result.loss;
    row.validAccuracy = result.accuracy;
    if (this.model.stabilityBound) row.stabilityBound = await this.model.stabilityBound();
    if (this.model.recurrent && this.probes.contraction) {
      const first = this.data
        .evalBatches('valid', { batchSize: this.config.batchSize, seqLen: this.config.seqLen, maxScored: 1, context: 0 })
        [Symbol.iterator]()
        .next();
      if (!first.done) row.contraction = await this.probes.contraction(this.model, first.value);
    }
  }

  /** Runs until config.steps, a stop request, divergence, a plateau (patience) or the time budget. */
  async run(sink: TrainerSink): Promise<TrainOutcome> {
    const { steps, validEvery, checkpointEvery, patience, timeLimitSeconds } = this.config;
    // A resumed run whose budget was already spent (or that stopped on a plateau) ends at once.
    const ended = (): 'plateau' | 'time' | null =>
      patience > 0 && this.plateau.since >= patience
        ? 'plateau'
        : timeLimitSeconds > 0 && this.elapsedMs >= timeLimitSeconds * 1000
          ? 'time'
          : null;
    let saved = -1;
    while (this.step < steps) {
      const early = ended();
      if (early) {
        if (saved !== this.step) await sink.onCheckpoint(await this.snapshot());
        return { status: 'completed', endedBy: early };
      }
      if (sink.shouldStop()) {
        await sink.onCheckpoint(await this.snapshot());
        return { status: 'stopped' };
      }
      const row = await this.trainStep();
      if (!row) return { status: 'diverged', error: `loss became NaN or infinite at step ${this.step + 1}` };
      // The last step before the time budget runs out is validated too, so every run ends on a valid loss.
      const last = this.step === steps || (timeLimitSeconds > 0 && this.elapsedMs >= timeLimitSeconds * 1000);
      if (this.step % validEvery === 0 || last) {
        await this.validate(row);
        if (!Number.isFinite(row.validLoss))
          return { status: 'diverged', error: `validation loss became NaN or infinite at step ${this.step}` };
        this.notePlateau(row.validLoss!);
      }
      await sink.onMetrics(row);
      if (this.step % checkpointEvery === 0 || this.step === steps) {
        await sink.onCheckpoint(await this.snapshot());
        saved = this.step;
      }
    }
    return { status: 'completed' };
  }

  /** Counts validations without a new best (a new best must beat the old by 1e-6 relative, not by noise). */
  private notePlateau(validLoss: number): void {
    if (validLoss < this.plateau.best * (1 - 1e-6)) this.plateau = { best: validLoss, since: 0 };
    else this.plateau = { best: this.plateau.best, since: this.plateau.since + 1 };
  }

  private resetState(rows: number): void {
    this.disposeState();
    this.state = this.model.initialState(rows);
  }

  private disposeState(): void {
    this.state?.forEach((t) => t.dispose());
    this.state = null;
  }

  /** Everything needed to continue exactly from here. */
  async snapshot(): Promise<CheckpointSnapshot> {
    const params: CheckpointSnapshot['params'] = {};
    for (const { name, variable } of this.model.variables) {
      params[name] = { shape: variable.shape, values: (await variable.data()) as Float32Array };
    }
    const state = this.state
      ? await Promise.all(this.state.map(async (t) => ({ shape: t.shape, values: (await t.data()) as Float32Array })))
      : null;
    return {
      step: this.step,
      elapsedMs: this.elapsedMs,
      cursor: this.batches.cursor,
      epoch: this.batches.epoch,
      rng: this.rng.getState(),
      params,
      optimizer: await this.stepper.snapshotOptimizer(),
      state,
      ...(Number.isFinite(this.plateau.best) ? { plateau: { ...this.plateau } } : {}),
    };
  }

  /** Restores a snapshot taken from a model of the same config. */
  restore(snap: CheckpointSnapshot): void {
    for (const { name, variable } of this.model.variables) {
      const p = snap.params[name];
      if (!p || p.values.length !== variable.size) throw new Error(`checkpoint: parameter "${name}" is missing or has the wrong size`);
      tf.tidy(() => variable.assign(tf.tensor(p.values, variable.shape)));
    }
    this.stepper.restore(snap.optimizer);
    this.step = snap.step;
    this.elapsedMs = snap.elapsedMs;
    this.batches.cursor = snap.cursor;
    this.batches.epoch = snap.epoch;
    this.rng.setState(snap.rng);
    this.plateau = snap.plateau ? { ...snap.plateau } : { best: Infinity, since: 0 };
    this.disposeState();
    this.state = snap.state ? snap.state.map((s) => tf.tensor(s.values, s.shape)) : null;
  }

  dispose(): void {
    this.disposeState();
    this.stepper.dispose();
  }
}
