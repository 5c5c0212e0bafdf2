// Adam and SGD with state we own: every moment is a named tensor and the step
// counter a number, so a checkpoint saves and restores them exactly and the
// learning rate can change every step (tf.train optimizers fix it at creation).
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';
import type { NamedVariable } from '../models/params.ts';

export type OptimizerKind = 'adam' | 'sgd';

/** Optimizer state as plain data: step count and named float arrays. */
export interface OptimizerSnapshot {
  kind: OptimizerKind;
  step: number;
  /** e.g. "m/lstm0/kernel" -> values (same shape as the variable). */
  slots: Record<string, Float32Array>;
}

export interface Optimizer {
  readonly kind: OptimizerKind;
  /** Applies one update with learning rate `lr`. Does not dispose `grads`. */
  apply(vars: readonly NamedVariable[], grads: Record<string, tf.Tensor>, lr: number): void;
  snapshot(vars: readonly NamedVariable[]): Promise<OptimizerSnapshot>;
  restore(vars: readonly NamedVariable[], snap: OptimizerSnapshot): void;
  dispose(): void;
}

/** One parameter's Adam update: the parameter, its gradient and its two moments (all the same shape). */
export interface AdamParamUpdate {
  param: tf.Variable;
  grad: tf.Tensor;
  m: tf.Variable;
  v: tf.Variable;
}

/** Adam's constants, and this step's step size lr·√(1−β2ᵗ)/(1−β1ᵗ). */
export interface AdamStep {
  beta1: number;
  beta2: number;
  epsilon: number;
  stepSize: number;
}

/**
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − stepSize·m/(√v + ε), for every
 * entry, assigned to the variables given. Stock ops: ~12 kernels per parameter.
 */
function adamUpdateReference(updates: readonly AdamParamUpdate[], s: AdamStep): void {
  tf.tidy(() => {
    for (const { param, grad: g, m, v } of updates) {
      m.assign(tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1)));
      v.assign(tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2)));
      param.assign(tf.sub(param, tf.mul(tf.div(m, tf.add(tf.sqrt(v), s.epsilon)), s.stepSize)));
    }
  });
}

// A kernel: a backend may update every parameter and its moments in a few
// fused passes (webgpu: one dispatch per few parameters, in place).
export const adamUpdate = defineKernel('adamUpdate', adamUpdateReference);

/** One parameter's SGD update: the parameter and its gradient (same shape). */
export interface SgdParamUpdate {
  param: tf.Variable;
  grad: tf.Tensor;
}

/** w ← w − lr·g for every entry, assigned to the variables given. Stock ops: two kernels per parameter. */
function sgdUpdateReference(updates: readonly SgdParamUpdate[], lr: number): void {
  tf.tidy(() => {
    for (const { param, grad } of updates) param.assign(tf.sub(param, tf.mul(grad, lr)));
  });
}

// A kernel for the same reason as adamUpdate.
export const sgdUpdate = defineKernel('sgdUpdate', sgdUpdateReference);

/** Plain stochastic gradient descent: w ← w − lr·g. */
export class Sgd implements Optimizer {
  readonly kind = 'sgd';
  private step = 0;
  apply(vars: readonly NamedVariable[], grads: Record<string, tf.Tensor>, lr: number): void {
    const updates: SgdParamUpdate[] = [];
    for (const { variable } of vars) {
      const grad = grads[variable.name];
      if (grad) updates.push({ param: variable, grad });
    }
    sgdUpdate(updates, lr);
    this.step++;
  }
  async snapshot(): Promise<OptimizerSnapshot> {
    return { kind: 'sgd', step: this.step, slots: {} };
  }
  restore(_vars: readonly NamedVariable[], snap: OptimizerSnapshot): void {
    this.step = snap.step;
  }
  dispose(): void {}
}

/**
 * Adam (Kingma & Ba 2015) with bias correction, β1 0.9, β2 0.999, ε 1e-8 (PyTorch's defaults). ε is added to √v
 * before the bias correction (the paper's ε̂, as TF and Keras do): that is PyTorch's update with ε/√(1−β2ᵗ), 3.2e-7
 * at step 1 and 1.3e-8 by step 1,000. It damps the first updates of near-zero gradients; on the adding problem the
 * TCN's outcome did not hinge on it (docs/benchmarks.md, "Memory tasks and stability").
 */
export class Adam implements Optimizer {
  readonly kind = 'adam';
  private step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {}

  apply(vars: readonly NamedVariable[], grads: Record<string, tf.Tensor>, lr: number): void {
    this.step++;
    const t = this.step;
    const stepSize = (lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    const updates: AdamParamUpdate[] = [];
    for (const { name, variable } of vars) {
      const grad = grads[variable.name];
      if (grad) updates.push({ param: variable, grad, m: this.slot(this.m, name, variable), v: this.slot(this.v, name, variable) });
    }
    adamUpdate(updates, { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, stepSize });
  }

  private slot(map: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let s = map.get(name);
    if (!s) {
      // The zeros are disposed at once: the moment then owns its data alone,
      // which lets a fused update write it in place.
      const zeros = tf.zerosLike(like);
      s = tf.variable(zeros, false);
      zeros.dispose();
      map.set(name, s);
    }
    return s;
  }

  async snapshot(vars: readonly NamedVariable[]): Promise<OptimizerSnapshot> {
    const slots: Record<string, Float32Array> = {};
    for (const { name } of vars) {
      const m = this.m.get(name);
      const v = this.v.get(name);
      if (m) slots[`m/${name}`] = (await m.data()) as Float32Array;
      if (v) slots[`v/${name}`] = (await v.data()) as Float32Array;
    }
    return { kind: 'adam', step: this.step, slots };
  }

  restore(vars: readonly NamedVariable[], snap: OptimizerSnapshot): void {
    if (snap.kind !== 'adam') throw new Error(`checkpoint optimizer is ${snap.kind}, run uses adam`);
    this.step = snap.step;
    for (const { name, variable } of vars) {
      for (const [prefix, map] of [
        ['m', this.m],
        ['v', this.v],
      ] as const) {
        const values = snap.slots[`${prefix}/${name}`];
        if (!values) continue;
        if (values.length !== variable.size)
          throw new Error(`optimizer slot ${prefix}/${name}: ${values.length} values, expected ${variable.size}`);
        map.get(name)?.dispose();
        // tf.variable shares the initial tensor's data without taking ownership: dispose it, or every slot leaks one tensor.
        const initial = tf.tensor(values, variable.shape);
        map.set(name, tf.variable(initial, false));
        initial.dispose();
      }
    }
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
    this.m.clear();
    this.v.clear();
  }
}

export function createOptimizer(kind: OptimizerKind): Optimizer {
  return kind === 'adam' ? new Adam() : new Sgd();
}
