// Adam and SGD with state we own: every moment is a named tensor and the step
// counter a number, so a checkpoint saves and restores them exactly and the
// learning rate can change every step (tf.train optimizers fix it at creation).
import * as tf from '@tensorflow/tfjs';
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

/** Plain stochastic gradient descent: w ← w − lr·g. */
export class Sgd implements Optimizer {
  readonly kind = 'sgd';
  private step = 0;
  apply(vars: readonly NamedVariable[], grads: Record<string, tf.Tensor>, lr: number): void {
    tf.tidy(() => {
      for (const { variable } of vars) {
        const g = grads[variable.name];
        if (g) variable.assign(tf.sub(variable, tf.mul(g, lr)));
      }
    });
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

/** Adam (Kingma & Ba 2015) with bias correction, β1 0.9, β2 0.999, ε 1e-8 (PyTorch's defaults). */
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
    tf.tidy(() => {
      for (const { name, variable } of vars) {
        const g = grads[variable.name];
        if (!g) continue;
        const m = this.slot(this.m, name, variable);
        const v = this.slot(this.v, name, variable);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        variable.assign(tf.sub(variable, tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon)), stepSize)));
      }
    });
  }

  private slot(map: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let s = map.get(name);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
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
      for (const [prefix, map] of [['m', this.m], ['v', this.v]] as const) {
        const values = snap.slots[`${prefix}/${name}`];
        if (!values) continue;
        if (values.length !== variable.size) throw new Error(`optimizer slot ${prefix}/${name}: ${values.length} values, expected ${variable.size}`);
        map.get(name)?.dispose();
        map.set(name, tf.variable(tf.tensor(values, variable.shape), false));
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
