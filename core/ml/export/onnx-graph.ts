// Builds an ONNX model (protobuf bytes, via onnx-proto / protobufjs) equivalent
// to a trained SequenceModel at inference (dropout off). Pure: bytes out.
//
// Signature: input `tokens` int64 [batch, time] (token ids, dynamic batch and
// time); output `logits` float32 [batch, time, vocab] (unnormalised scores, as
// SequenceModel.forward; recurrent state is zero at the start of the sequence).
//
// - embedding: Gather from the table W + b (one-hot·W + b = row of W + b);
// - LSTM layers: ONNX LSTM (layout 0, time-major). Our gate order is Keras'
//   i, f, c, o; ONNX's is i, o, f, c, so W, R and B are re-ordered per gate;
//   W = kernelᵀ, R = recurrent_kernelᵀ, B = [bias, 0];
// - TCN convolutions: Pad (causal, (k−1)·d zeros on the left of time) + Conv
//   with `dilations`, on an NCW view; weight norm folded (TcnModel.convKernel);
//   the 1×1 downsample of a residual block is a kernel-1 Conv;
// - rnn and gru layers: ONNX RNN and GRU (linear_before_reset = 1), weights as they are;
// - read-out: MatMul + Add.
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { LstmModel } from '../models/lstm-model.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import { GruModel } from '../models/gru-model.ts';
import { RnnModel } from '../models/rnn-model.ts';
import { TcnModel } from '../models/tcn-model.ts';
import { exportRefusal } from './export-support.ts';

const { onnx } = onnxProto;

/** The ONNX operator set the exported graphs use (default domain). */
export const ONNX_OPSET = 13;
/** ONNX IR version matching opset 13 (IR v7). */
export const ONNX_IR_VERSION = 7;

export const ONNX_INPUT = 'tokens';
export const ONNX_OUTPUT = 'logits';

type Attr = number | number[] | string;

/** Collects nodes and initializers of one graph. */
class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private counter = 0;

  /** A float32 initializer; `values` in row-major order of `dims`. */
  floats(name: string, dims: number[], values: Float32Array): string {
    const raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw }));
    return name;
  }

  /** An int64 initializer. */
  ints(name: string, values: number[]): string {
    this.initializers.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values }));
    return name;
  }

  /** Adds a node; returns its output names (`outputs` of them). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, name = `${op.toLowerCase()}_${this.counter++}`, outputs = 1): string[] {
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
}

/** Copies a tensor's values out (float32). */
function read(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

function param(model: SequenceModel, name: string): Float32Array {
  const v = model.variables.find((p) => p.name === name);
  if (!v) throw new Error(`onnx export: parameter "${name}" missing`);
  return read(v.variable);
}

/** Transposes a row-major [rows, cols] matrix. */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

/** Keras gate blocks (i, f, c, o) in ONNX order (i, o, f, c). */
const ONNX_GATES_FROM_KERAS = [0, 3, 1, 2];

/** [rows, 4H] (Keras columns) -> [4H, rows] with gate blocks re-ordered for ONNX. */
function onnxGateMatrix(m: Float32Array, rows: number, hidden: number): Float32Array {
  const t = transpose(m, rows, 4 * hidden); // [4H, rows], Keras gate order
  const out = new Float32Array(t.length);
  ONNX_GATES_FROM_KERAS.forEach((src, dst) => out.set(t.subarray(src * hidden * rows, (src + 1) * hidden * rows), dst * hidden * rows));
  return out;
}

function onnxGateVector(b: Float32Array, hidden: number): Float32Array {
  const out = new Float32Array(b.length);
  ONNX_GATES_FROM_KERAS.forEach((src, dst) => out.set(b.subarray(src * hidden, (src + 1) * hidden), dst * hidden));
  return out;
}

function embedding(g: GraphBuilder, model: SequenceModel): string {
  const { vocabSize: v, embedSize: e } = model.config;
  const w = param(model, 'input/kernel');
  const b = param(model, 'input/bias');
  const table = new Float32Array(v * e);
  for (let r = 0; r < v; r++) for (let c = 0; c < e; c++) table[r * e + c] = w[r * e + c]! + b[c]!;
  return g.one('Gather', [g.floats('input.table', [v, e], table), ONNX_INPUT], { axis: 0 }, 'input_embedding'); // [B, T, E]
}

function readout(g: GraphBuilder, model: LstmModel | TcnModel | RnnModel | GruModel, x: string): string {
  const { hiddenSize: h, vocabSize: v } = model.config;
  const y = g.one('MatMul', [x, g.floats('output.kernel', [h, v], param(model, 'output/kernel'))], {}, 'output_matmul');
  return g.one('Add', [y, g.floats('output.bias', [v], param(model, 'output/bias'))], {}, ONNX_OUTPUT);
}

function lstmGraph(g: GraphBuilder, model: LstmModel): string {
  const { embedSize: e, hiddenSize: h, layers } = model.config;
  let x = g.one('Transpose', [embedding(g, model)], { perm: [1, 0, 2] }, 'to_time_major'); // [T, B, E]
  const squeezeAxes = g.ints('squeeze_axes', [1]);
  for (let l = 0; l < layers; l++) {
    const inSize = l === 0 ? e : h;
    const W = g.floats(`lstm${l}.W`, [1, 4 * h, inSize], onnxGateMatrix(param(model, `lstm${l}/kernel`), inSize, h));
    const R = g.floats(`lstm${l}.R`, [1, 4 * h, h], onnxGateMatrix(param(model, `lstm${l}/recurrent_kernel`), h, h));
    const B = new Float32Array(8 * h); // [Wb (our bias), Rb (zeros)]
    B.set(onnxGateVector(param(model, `lstm${l}/bias`), h));
    const y = g.one('LSTM', [x, W, R, g.floats(`lstm${l}.B`, [1, 8 * h], B)], { hidden_size: h, direction: 'forward' }, `lstm${l}`); // [T, 1, B, H]
    x = g.one('Squeeze', [y, squeezeAxes], {}, `lstm${l}_squeeze`); // [T, B, H]
  }
  x = g.one('Transpose', [x], { perm: [1, 0, 2] }, 'to_batch_major'); // [B, T, H]
  return readout(g, model, x);
}

/**
 * ONNX RNN (tanh) and GRU with linear_before_reset = 1 (PyTorch's GRU, as the
 * lab's): ONNX's GRU gate order z, r, h is the lab's, so W = kernelᵀ and
 * R = recurrent_kernelᵀ as they are, and B = [input bias; recurrent bias] is
 * the lab's [2, 3H] bias flattened. The rnn's one bias goes in Wb, Rb = 0.
 */
function simpleRecurrentGraph(g: GraphBuilder, model: RnnModel | GruModel): string {
  const { embedSize: e, hiddenSize: h, layers } = model.config;
  const gates = model instanceof GruModel ? 3 : 1;
  const op = model instanceof GruModel ? 'GRU' : 'RNN';
  const prefix = op.toLowerCase();
  let x = g.one('Transpose', [embedding(g, model)], { perm: [1, 0, 2] }, 'to_time_major'); // [T, B, E]
  const squeezeAxes = g.ints('squeeze_axes', [1]);
  for (let l = 0; l < layers; l++) {
    const inSize = l === 0 ? e : h;
    const W = g.floats(`${prefix}${l}.W`, [1, gates * h, inSize], transpose(param(model, `${prefix}${l}/kernel`), inSize, gates * h));
    const R = g.floats(`${prefix}${l}.R`, [1, gates * h, h], transpose(param(model, `${prefix}${l}/recurrent_kernel`), h, gates * h));
    const B = new Float32Array(2 * gates * h);
    B.set(param(model, `${prefix}${l}/bias`));
    const attrs: Record<string, Attr> = { hidden_size: h, direction: 'forward' };
    if (model instanceof GruModel) attrs['linear_before_reset'] = 1;
    const y = g.one(op, [x, W, R, g.floats(`${prefix}${l}.B`, [1, 2 * gates * h], B)], attrs, `${prefix}${l}`); // [T, 1, B, H]
    x = g.one('Squeeze', [y, squeezeAxes], {}, `${prefix}${l}_squeeze`); // [T, B, H]
  }
  x = g.one('Transpose', [x], { perm: [1, 0, 2] }, 'to_batch_major'); // [B, T, H]
  return readout(g, model, x);
}

function tcnGraph(g: GraphBuilder, model: TcnModel): string {
  const { embedSize: e, hiddenSize: h, levels, kernelSize: k, convsPerBlock, residual } = model.config;
  let x = g.one('Transpose', [embedding(g, model)], { perm: [0, 2, 1] }, 'to_channels_first'); // [B, E, T]
  let cin = e;
  for (let l = 0; l < levels; l++) {
    const d = model.dilation(l);
    const blockInput = x;
    for (let c = 0; c < convsPerBlock; c++) {
      const name = `block${l}/conv${c}`;
      const tag = `block${l}_conv${c}`;
      const kernelTensor = model.convKernel(name);
      const kernel = read(kernelTensor); // [k·Cin, Cout], tap j (oldest first) at rows j·Cin..
      if (model.config.weightNorm) kernelTensor.dispose(); // folded copy; otherwise it is the variable itself
      const w = new Float32Array(h * cin * k); // ONNX Conv weight [Cout, Cin, k]
      for (let j = 0; j < k; j++) for (let ci = 0; ci < cin; ci++) for (let o = 0; o < h; o++) w[(o * cin + ci) * k + j] = kernel[(j * cin + ci) * h + o]!;
      const pads = g.ints(`${tag}.causal_pads`, [0, 0, (k - 1) * d, 0, 0, 0]);
      const padded = g.one('Pad', [x, pads], { mode: 'constant' }, `${tag}_causal_pad`);
      const conv = g.one('Conv', [padded, g.floats(`${tag}.weight`, [h, cin, k], w), g.floats(`${tag}.bias`, [h], param(model, `${name}/bias`))], { kernel_shape: [k], dilations: [d], strides: [1], pads: [0, 0] }, tag);
      x = g.one('Relu', [conv], {}, `${tag}_relu`);
      cin = h;
    }
    if (residual) {
      let skip = blockInput;
      if (model.hasDownsample(l)) {
        const w = transpose(param(model, `block${l}/downsample/kernel`), e, h); // [H, E] = [Cout, Cin, 1]
        skip = g.one('Conv', [blockInput, g.floats(`block${l}_downsample.weight`, [h, e, 1], w), g.floats(`block${l}_downsample.bias`, [h], param(model, `block${l}/downsample/bias`))], { kernel_shape: [1] }, `block${l}_downsample`);
      }
      x = g.one('Relu', [g.one('Add', [x, skip], {}, `block${l}_residual`)], {}, `block${l}_relu`);
    }
  }
  x = g.one('Transpose', [x], { perm: [0, 2, 1] }, 'to_channels_last'); // [B, T, H]
  return readout(g, model, x);
}

/** Encodes the model as an ONNX ModelProto. Throws, naming the feature, for a model it cannot express. */
export function toOnnxModel(model: SequenceModel, meta: { producerVersion?: string; docString?: string } = {}): Uint8Array {
  const g = new GraphBuilder();
  let logits: string;
  if (model instanceof LstmModel) logits = lstmGraph(g, model);
  else if (model instanceof TcnModel) logits = tcnGraph(g, model);
  else if (model instanceof RnnModel || model instanceof GruModel) logits = simpleRecurrentGraph(g, model);
  else throw exportRefusal('onnx', model.config.kind, `no ONNX mapping for ${model.config.kind}`);
  if (logits !== ONNX_OUTPUT) throw new Error('onnx export: internal error, read-out not named logits');
  const dim = (d: string | number) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d });
  const valueInfo = (name: string, elemType: number, dims: (string | number)[]) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: dims.map(dim) } } } });
  const graph = onnx.GraphProto.create({
    name: `seqlab_${model.config.kind}`,
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo(ONNX_INPUT, onnx.TensorProto.DataType.INT64, ['batch', 'time'])],
    output: [valueInfo(ONNX_OUTPUT, onnx.TensorProto.DataType.FLOAT, ['batch', 'time', model.config.vocabSize])],
  });
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'seqlab',
    producerVersion: meta.producerVersion ?? '',
    docString: meta.docString ?? 'input tokens: int64 [batch, time] token ids; output logits: float32 [batch, time, vocab] (state zero at start)',
    graph,
  });
  const err = onnx.ModelProto.verify(proto);
  if (err) throw new Error(`onnx export: invalid model: ${err}`);
  return onnx.ModelProto.encode(proto).finish();
}
