// The training loop: TBPTT windows, Adam/SGD, global-norm clipping, LR schedule,
// periodic validation and checkpoints, NaN/Inf detection. Pure: it reads tokens
// through a TokenSource and reports through a TrainerSink; it never touches
// files, the database or threads. Step numbers count completed updates.
import * as tf from '@tensorflow/tfjs';
import type { DatasetSplits, TokenSource } from '../data/dataset-types.ts';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';
import { Rng } from '../rng.ts';
import type { CheckpointSnapshot } from './checkpoint.ts';
import { clipByGlobalNorm, globalNorm } from './clip.ts';
import { evaluateLoss } from './evaluate.ts';
import { crossEntropy } from './loss.ts';
import { createOptimizer, type Optimizer } from './optimizer.ts';
import { learningRateAt } from './schedule.ts';
import type { TrainConfig } from './train-config.ts';
import { WindowBatcher } from './window-batcher.ts';

export interface StepMetrics {
  step: number;
  /** Training time so far, ms, summed over resumes. */
  wallMs: number;
  trainLoss: number;
  /** Set on validation steps. */
  validLoss: number | null;
  /** trainLoss in bits (loss / ln 2). */
  bitsPerSymbol: number;
  tokensPerSec: number;
  /** Gradient norm before clipping. */
  gradNorm: number;
  lr: number;
}

export type TrainOutcome = { status: 'completed' | 'stopped' } | { status: 'diverged'; error: string };

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
  private readonly optimizer: Optimizer;
  private readonly batcher: WindowBatcher;
  private state: ModelState = null;

  constructor(
    private readonly model: SequenceModel,
    private readonly config: TrainConfig,
    private readonly source: TokenSource,
    private readonly splits: DatasetSplits,
  ) {
    this.rng = new Rng(config.seed ^ 0x5eed);
    this.optimizer = createOptimizer(config.optimizer);
    this.batcher = new WindowBatcher(source, splits.train, config.batchSize, config.seqLen);
  }

  /** One optimiser step. Returns null (and applies nothing) when the loss is not finite. */
  async trainStep(): Promise<StepMetrics | null> {
    const started = performance.now();
    const window = this.batcher.next();
    const { batchSize, seqLen } = this.config;
    if (this.model.recurrent && (window.reset || !this.state)) this.resetState();
    const lr = learningRateAt(this.step, this.config);
    const x = tf.tensor2d(window.inputs, [batchSize, seqLen], 'int32');
    const y = tf.tensor2d(window.targets, [batchSize, seqLen], 'int32');
    let nextState: ModelState = null;
    const varList = this.model.variables.map((v) => v.variable);
    const { value, grads } = tf.variableGrads(() => {
      const out = this.model.forward(x, this.state, { training: true, rng: this.rng });
      nextState = out.state ? out.state.map((s) => tf.keep(s)) : null;
      return crossEntropy(out.logits, y);
    }, varList);
    x.dispose();
    y.dispose();
    const normT = globalNorm(grads);
    const both = tf.stack([value, normT]);
    const [loss, norm] = (await both.data()) as Float32Array;
    tf.dispose([both, value, normT]);
    this.disposeState();
    this.state = nextState;
    if (!Number.isFinite(loss!) || !Number.isFinite(norm!)) {
      tf.dispose(Object.values(grads));
      return null;
    }
    const clipped = clipByGlobalNorm(grads, norm!, this.config.clip);
    this.optimizer.apply(this.model.variables, clipped, lr);
    tf.dispose(Object.values(clipped));
    this.step++;
    const ms = performance.now() - started;
    this.elapsedMs += ms;
    return {
      step: this.step,
      wallMs: this.elapsedMs,
      trainLoss: loss!,
      validLoss: null,
      bitsPerSymbol: loss! / Math.LN2,
      tokensPerSec: (batchSize * seqLen) / (ms / 1000),
      gradNorm: norm!,
      lr,
    };
  }

  /** Validation loss (nats per token) on the valid split. */
  evaluate(): Promise<number> {
    return evaluateLoss(this.model, this.source, this.splits.valid, {
      batchSize: this.config.batchSize,
      seqLen: this.config.seqLen,
      maxTokens: this.config.validTokens,
    });
  }

  /** Runs until config.steps, a stop request, or divergence. */
  async run(sink: TrainerSink): Promise<TrainOutcome> {
    const { steps, validEvery, checkpointEvery } = this.config;
    while (this.step < steps) {
      if (sink.shouldStop()) {
        await sink.onCheckpoint(await this.snapshot());
        return { status: 'stopped' };
      }
      const row = await this.trainStep();
      if (!row) return { status: 'diverged', error: `loss became NaN or infinite at step ${this.step + 1}` };
      if (this.step % validEvery === 0 || this.step === steps) {
        row.validLoss = await this.evaluate();
        if (!Number.isFinite(row.validLoss)) return { status: 'diverged', error: `validation loss became NaN or infinite at step ${this.step}` };
      }
      await sink.onMetrics(row);
      if (this.step % checkpointEvery === 0 || this.step === steps) await sink.onCheckpoint(await this.snapshot());
    }
    return { status: 'completed' };
  }

  private resetState(): void {
    this.disposeState();
    this.state = this.model.initialState(this.config.batchSize);
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
    const state = this.state ? await Promise.all(this.state.map(async (t) => ({ shape: t.shape, values: (await t.data()) as Float32Array }))) : null;
    return {
      step: this.step,
      elapsedMs: this.elapsedMs,
      cursor: this.batcher.cursor,
      epoch: this.batcher.epoch,
      rng: this.rng.getState(),
      params,
      optimizer: await this.optimizer.snapshot(this.model.variables),
      state,
    };
  }

  /** Restores a snapshot taken from a model of the same config. */
  restore(snap: CheckpointSnapshot): void {
    for (const { name, variable } of this.model.variables) {
      const p = snap.params[name];
      if (!p || p.values.length !== variable.size) throw new Error(`checkpoint: parameter "${name}" is missing or has the wrong size`);
      tf.tidy(() => variable.assign(tf.tensor(p.values, variable.shape)));
    }
    this.optimizer.restore(this.model.variables, snap.optimizer);
    this.step = snap.step;
    this.elapsedMs = snap.elapsedMs;
    this.batcher.cursor = snap.cursor;
    this.batcher.epoch = snap.epoch;
    this.rng.setState(snap.rng);
    this.disposeState();
    this.state = snap.state ? snap.state.map((s) => tf.tensor(s.values, s.shape)) : null;
  }

  dispose(): void {
    this.disposeState();
    this.optimizer.dispose();
  }
}
