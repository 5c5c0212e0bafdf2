// Collects the nodes and initializers of one ONNX graph (onnx-proto /
// protobufjs), plus the small tensor helpers the exporters share. Pure.
import onnxProto from 'onnx-proto';
import type { WeightArray } from './export-weights.ts';

export const { onnx } = onnxProto;

type Attr = number | number[] | string;

export class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private counter = 0;

  /** A float32 initializer; `values` in row-major order of `dims`. */
  floats(name: string, dims: number[], values: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== values.length)
      throw new Error(`onnx export: initializer ${name} has ${values.length} values for dims [${dims.join(', ')}]`);
    const raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw }));
    return name;
  }

  /** A 1-D int64 initializer. */
  ints(name: string, values: number[]): string {
    this.initializers.push(
      onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values }),
    );
    return name;
  }

  /** Adds a node; returns its output names (`outputs` of them). An input '' is an omitted optional input. */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, Attr> = {},
    name = `${op.toLowerCase()}_${this.counter++}`,
    outputs = 1,
  ): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}_out${i}`));
    const attribute = Object.entries(attrs).map(([key, v]) => {
      const A = onnx.AttributeProto.AttributeType;
      if (typeof v === 'string') return onnx.AttributeProto.create({ name: key, type: A.STRING, s: new TextEncoder().encode(v) });
      if (Array.isArray(v)) return onnx.AttributeProto.create({ name: key, type: A.INTS, ints: v });
      return onnx.AttributeProto.create({ name: key, type: A.INT, i: v });
    });
    this.nodes.push(onnx.NodeProto.create({ opType: op, input: inputs, output: outs, name, attribute }));
    return outs;
  }

  one(op: string, inputs: string[], attrs: Record<string, Attr> = {}, name?: string): string {
    return this.node(op, inputs, attrs, name)[0]!;
  }

  /** A fresh node name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }
}

/** Transposes a row-major [rows, cols] matrix. */
export function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

/** Channels-last → channels-first and back (perm [0, 2, 1] is its own inverse). */
export function swapTimeChannels(g: GraphBuilder, x: string, name?: string): string {
  return g.one('Transpose', [x], { perm: [0, 2, 1] }, name);
}

/**
 * A causal dilated convolution on an NCW tensor: Pad (k−1)·d zeros on the left
 * of time, then Conv. `kernel` is the lab's [k·Cin, Cout] with tap j (oldest
 * first) at rows j·Cin…, re-laid as ONNX's [Cout, Cin, k].
 * @param x [batch, Cin, time] @returns [batch, Cout, time]
 */
export function causalConv(g: GraphBuilder, tag: string, x: string, kernel: WeightArray, bias: Float32Array, k: number, d: number): string {
  const [rows, cout] = kernel.shape as [number, number];
  const cin = rows / k;
  const w = new Float32Array(cout * cin * k);
  for (let j = 0; j < k; j++)
    for (let ci = 0; ci < cin; ci++) for (let o = 0; o < cout; o++) w[(o * cin + ci) * k + j] = kernel.values[(j * cin + ci) * cout + o]!;
  const padded = g.one('Pad', [x, g.ints(`${tag}.causal_pads`, [0, 0, (k - 1) * d, 0, 0, 0])], { mode: 'constant' }, `${tag}_causal_pad`);
  return g.one(
    'Conv',
    [padded, g.floats(`${tag}.weight`, [cout, cin, k], w), g.floats(`${tag}.bias`, [cout], bias)],
    { kernel_shape: [k], dilations: [d], strides: [1], pads: [0, 0] },
    tag,
  );
}

/**
 * A position-wise dense map x·W + b on an NCW tensor, as a kernel-1 Conv.
 * @param kernel [Cin, Cout] @param x [batch, Cin, time] @returns [batch, Cout, time]
 */
export function pointwise(g: GraphBuilder, tag: string, x: string, kernel: WeightArray, bias: Float32Array): string {
  const [cin, cout] = kernel.shape as [number, number];
  return g.one(
    'Conv',
    [x, g.floats(`${tag}.weight`, [cout, cin, 1], transpose(kernel.values, cin, cout)), g.floats(`${tag}.bias`, [cout], bias)],
    { kernel_shape: [1] },
    tag,
  );
}
