// Builds an ONNX model (protobuf bytes, via onnx-proto / protobufjs) that
// computes what the lab computes at inference (dropout off), for every model
// kind. Pure: bytes out.
//
// Signature (see onnxSignature):
// - input `tokens` int64 [batch, time] (token ids), or `features` float32
//   [batch, time, inputFeatures] for feature-input models;
// - recurrent kinds also take `h0` (and `c0` for LSTM) float32
//   [layers, batch, hidden], the state at the start (zeros for a new
//   sequence), and return `hT` (and `cT`), the state after the last step:
//   feed them back as h0/c0 to continue a sequence one token at a time.
//   They are plain graph inputs, so a client must feed them: ONNX (opset 13)
//   has no optional graph input that every runtime honours; an initializer
//   under the input's name is one in onnxruntime-node, but onnxruntime-web
//   refuses to feed it ("invalid input 'h0'"), which would leave browser
//   clients unable to stream;
// - output `probabilities` (categorical: softmax; Bernoulli: sigmoid per unit)
//   plus the read-out's `logits`, or `values` for regression, [batch, time, outputs].
import type { ModelConfig, RecurrentConfig } from '../models/model-config.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import { truncatedBaseConfig } from '../models/truncated-config.ts';
import type { OutputKind } from '../tasks/task-types.ts';
import { assertExportable, OUTPUT_MEANING } from './export-support.ts';
import { ExportWeights } from './export-weights.ts';
import { GraphBuilder, onnx } from './onnx-builder.ts';
import { gcnnBody, tcnBody, wavenetBody } from './onnx-conv.ts';
import { recurrentBody, truncatedBody } from './onnx-recurrent.ts';

/** The ONNX operator set the exported graphs use (default domain). */
export const ONNX_OPSET = 13;
/** ONNX IR version matching opset 13 (IR v7). */
export const ONNX_IR_VERSION = 7;

export interface OnnxTensorSpec {
  name: string;
  type: 'int64' | 'float32';
  dims: (string | number)[];
  meaning: string;
}

export interface OnnxSignature {
  inputs: OnnxTensorSpec[];
  outputs: OnnxTensorSpec[];
}

function isRecurrent(config: ModelConfig): config is RecurrentConfig {
  return config.kind === 'lstm' || config.kind === 'gru' || config.kind === 'rnn';
}

/** Inputs and outputs of the exported graph, for the graph itself and for seqlab.json. */
export function onnxSignature(config: ModelConfig, output: OutputKind): OnnxSignature {
  const inputs: OnnxTensorSpec[] = [
    config.inputFeatures > 0
      ? { name: 'features', type: 'float32', dims: ['batch', 'time', config.inputFeatures], meaning: `feature vectors, ${config.inputFeatures} per step` }
      : { name: 'tokens', type: 'int64', dims: ['batch', 'time'], meaning: `token ids in [0, ${config.vocabSize})` },
  ];
  const outputs: OnnxTensorSpec[] = [];
  const meaning = OUTPUT_MEANING[output];
  outputs.push({ name: meaning.name, type: 'float32', dims: ['batch', 'time', config.vocabSize], meaning: `${meaning.says} at every step, given inputs up to that step` });
  if (output !== 'regression') outputs.push({ name: 'logits', type: 'float32', dims: ['batch', 'time', config.vocabSize], meaning: `the read-out before the ${meaning.activation}` });
  if (isRecurrent(config)) {
    const state = (n: string, what: string): OnnxTensorSpec => ({ name: n, type: 'float32', dims: [config.layers, 'batch', config.hiddenSize], meaning: what });
    inputs.push(state('h0', 'hidden state per layer at the start: zeros for a new sequence, hT of the previous call to continue'));
    outputs.push(state('hT', 'hidden state per layer after the last step (feed back as h0 to continue)'));
    if (config.kind === 'lstm') {
      inputs.push(state('c0', 'cell state per layer at the start: zeros for a new sequence, cT of the previous call to continue'));
      outputs.push(state('cT', 'cell state per layer after the last step (feed back as c0 to continue)'));
    }
  }
  return { inputs, outputs };
}

/** The input projection: Gather from the table W + b (one-hot·W + b = row of W + b), or x·W + b. @returns [B, T, E] */
function projectInput(g: GraphBuilder, w: ExportWeights, config: ModelConfig, input: string): string {
  const { values: kernel, shape } = w.get('input/kernel');
  const [rows, e] = shape as [number, number];
  const bias = w.values('input/bias');
  if (config.inputFeatures === 0) {
    const table = new Float32Array(rows * e);
    for (let r = 0; r < rows; r++) for (let c = 0; c < e; c++) table[r * e + c] = kernel[r * e + c]! + bias[c]!;
    return g.one('Gather', [g.floats('input.table', [rows, e], table), input], { axis: 0 }, 'input_embedding');
  }
  const y = g.one('MatMul', [input, g.floats('input.kernel', [rows, e], kernel)], {}, 'input_matmul');
  return g.one('Add', [y, g.floats('input.bias', [e], bias)], {}, 'input_projection');
}

/** The graph's body from the projected input to what the read-out reads, [B, T, width]. */
function body(g: GraphBuilder, w: ExportWeights, config: ModelConfig, embedded: string): string {
  switch (config.kind) {
    case 'lstm':
    case 'gru':
    case 'rnn':
      return recurrentBody(g, w, config, embedded, 'h0', config.kind === 'lstm' ? 'c0' : '').hs;
    case 'truncated':
      return truncatedBody(g, w, truncatedBaseConfig(config), config.k, embedded);
    case 'tcn':
      return tcnBody(g, w, config, embedded);
    case 'gcnn':
      return gcnnBody(g, w, config, embedded);
    case 'wavenet':
      return wavenetBody(g, w, config, embedded);
    default:
      throw new Error(`onnx export: no graph for model kind "${(config as { kind: string }).kind}"`);
  }
}

export interface OnnxExportOptions {
  /** What the outputs mean (the dataset's task). */
  output: OutputKind;
  /** seqlab's version, recorded as the model's producer_version. */
  producerVersion: string;
  /** metadata_props: vocabulary, kind, run id, task, output kind … */
  metadata?: Record<string, string>;
}

/** Encodes the model as an ONNX ModelProto. Throws, naming the missing feature, for a model it cannot express. */
export async function toOnnxModel(model: SequenceModel, options: OnnxExportOptions): Promise<Uint8Array> {
  const { config } = model;
  assertExportable('onnx', config, options.output);
  const w = await ExportWeights.of(model);
  const signature = onnxSignature(config, options.output);
  const g = new GraphBuilder();
  const input = signature.inputs[0]!.name;
  const x = body(g, w, config, projectInput(g, w, config, input));
  const regression = options.output === 'regression';
  const { shape } = w.get('output/kernel');
  const readout = g.one('MatMul', [x, g.floats('output.kernel', shape, w.values('output/kernel'))], {}, 'output_matmul');
  const logits = g.one('Add', [readout, g.floats('output.bias', [shape[1]!], w.values('output/bias'))], {}, regression ? 'values' : 'logits');
  if (options.output === 'categorical') g.one('Softmax', [logits], { axis: -1 }, 'probabilities');
  if (options.output === 'bernoulli') g.one('Sigmoid', [logits], {}, 'probabilities');

  const dim = (d: string | number) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d });
  const elem = { int64: onnx.TensorProto.DataType.INT64, float32: onnx.TensorProto.DataType.FLOAT };
  const valueInfo = (s: OnnxTensorSpec) => onnx.ValueInfoProto.create({ name: s.name, docString: s.meaning, type: { tensorType: { elemType: elem[s.type], shape: { dim: s.dims.map(dim) } } } });
  const graph = onnx.GraphProto.create({
    name: `seqlab_${config.kind}`,
    node: g.nodes,
    initializer: g.initializers,
    input: signature.inputs.map(valueInfo),
    output: signature.outputs.map(valueInfo),
  });
  const describe = (specs: OnnxTensorSpec[]) => specs.map((s) => `${s.name} ${s.type} [${s.dims.join(', ')}]: ${s.meaning}`).join('; ');
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'seqlab',
    producerVersion: options.producerVersion,
    docString: `inputs: ${describe(signature.inputs)}. outputs: ${describe(signature.outputs)}.`,
    metadataProps: Object.entries({ kind: config.kind, output_kind: options.output, ...options.metadata }).map(([key, value]) => ({ key, value })),
    graph,
  });
  const err = onnx.ModelProto.verify(proto);
  if (err) throw new Error(`onnx export: invalid model: ${err}`);
  return onnx.ModelProto.encode(proto).finish();
}
