// Named trainable parameters and their initialisers, drawn from the run's
// seeded generator (not TF.js's) so that a seed fixes every initial weight.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng.ts';

export interface NamedVariable {
  /** Stable name, e.g. "lstm0/kernel"; used in checkpoints and exports. */
  name: string;
  variable: tf.Variable;
}

/** Collects a model's variables in creation order (that order is the checkpoint order). */
export class ParamStore {
  readonly list: NamedVariable[] = [];
  private readonly byName = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  add(name: string, shape: number[], init: (rng: Rng, size: number) => Float32Array): tf.Variable {
    if (this.byName.has(name)) throw new Error(`parameter "${name}" defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    // tf.variable shares the initial tensor's data but does not take ownership: dispose it, or every parameter leaks one tensor.
    const initial = tf.tensor(init(this.rng, size), shape, 'float32');
    const variable = tf.variable(initial, true, `${name}_${nextId++}`);
    initial.dispose();
    this.list.push({ name, variable });
    this.byName.set(name, variable);
    return variable;
  }

  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (!v) throw new Error(`no parameter "${name}"`);
    return v;
  }

  count(): number {
    return this.list.reduce((n, p) => n + p.variable.size, 0);
  }

  dispose(): void {
    for (const p of this.list) p.variable.dispose();
  }
}

let nextId = 0;

/**
 * The dense input projection every model starts with, `input/kernel`
 * [inputWidth, embed] and `input/bias`, initialised as PyTorch's Linear.
 */
export function addInputProjection(p: ParamStore, config: { vocabSize: number; inputFeatures: number; embedSize: number }): void {
  const inWidth = inputWidth(config);
  p.add('input/kernel', [inWidth, config.embedSize], uniform(1 / Math.sqrt(inWidth)));
  p.add('input/bias', [config.embedSize], uniform(1 / Math.sqrt(inWidth)));
}

/** The linear read-out every model ends with, `output/kernel` [width, vocabSize] and `output/bias`. */
export function addReadout(p: ParamStore, width: number, vocabSize: number): void {
  p.add('output/kernel', [width, vocabSize], uniform(1 / Math.sqrt(width)));
  p.add('output/bias', [vocabSize], uniform(1 / Math.sqrt(width)));
}

/** Width of the input projection's rows: the token alphabet, or the feature width. */
export function inputWidth(config: { vocabSize: number; inputFeatures: number }): number {
  return config.inputFeatures > 0 ? config.inputFeatures : config.vocabSize;
}

/** Uniform in [-bound, bound] (PyTorch's default for Linear, LSTM and Conv with bound 1/sqrt(fan_in)). */
export const uniform = (bound: number) => (rng: Rng, size: number) => {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * bound;
  return out;
};

/** Normal(0, std²) (locuslab/TCN initialises convolutions with std 0.01). */
export const normal = (std: number) => (rng: Rng, size: number) => {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
  return out;
};

export const zeros = () => (_rng: Rng, size: number) => new Float32Array(size);
