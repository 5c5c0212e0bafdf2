// A trained model's parameters copied out once, asynchronously, for the
// exporters. Every exporter builds its bytes from these plain arrays, never
// from tensors: synchronous reads (dataSync) crash on the webgpu backend in
// Node, and one awaited read per parameter keeps the export backend-agnostic.
import type { SequenceModel } from '../models/sequence-model.ts';

export interface WeightArray {
  shape: number[];
  /** Row-major float32 values. */
  values: Float32Array;
}

export class ExportWeights {
  private constructor(private readonly byName: ReadonlyMap<string, WeightArray>) {}

  /** Reads every parameter of `model` with `await data()`. */
  static async of(model: SequenceModel): Promise<ExportWeights> {
    const byName = new Map<string, WeightArray>();
    for (const { name, variable } of model.variables) {
      byName.set(name, { shape: [...variable.shape], values: Float32Array.from((await variable.data()) as Float32Array) });
    }
    return new ExportWeights(byName);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): WeightArray {
    const w = this.byName.get(name);
    if (!w) throw new Error(`export: parameter "${name}" missing`);
    return w;
  }

  values(name: string): Float32Array {
    return this.get(name).values;
  }

  /**
   * A convolution kernel [rows, cols] as the model uses it: `<name>/kernel`,
   * or weight norm folded, w = g·v/‖v‖ with the norm per output column
   * (weight-norm.ts), when `<name>/v` and `<name>/g` are stored.
   */
  kernel(name: string): WeightArray {
    if (this.has(`${name}/kernel`)) return this.get(`${name}/kernel`);
    const v = this.get(`${name}/v`);
    const g = this.values(`${name}/g`);
    const [rows, cols] = v.shape as [number, number];
    const norms = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) norms[c]! += v.values[r * cols + c]! ** 2;
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) out[r * cols + c] = (g[c]! * v.values[r * cols + c]!) / Math.sqrt(norms[c]!);
    return { shape: [rows, cols], values: out };
  }
}
