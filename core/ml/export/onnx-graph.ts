// Builds an ONNX model (protobuf bytes, via onnx-proto / protobufjs) that
// computes what the lab computes at inference (dropout off), for every model
// kind. Pure: bytes out.
//
// Signature (see onnxSignature):
// - input `tokens` int64 [batch, time] (token ids), or `features` float32
//   [batch, time, inputFeatures] for feature-input models;
// - output `probabilities` (categorical: softmax; Bernoulli: sigmoid per unit)
//   plus the read-out's `logits`, or `values` for regression, [batch, time, outputs];
// - recurrent kinds (LSTM, GRU, RNN) also return `hT` (and `cT` for LSTM)
//   float32 [layers, batch, hidden], the state after the last step.
//
// Recurrent kinds come as two graphs, because their state must be optional
// and ONNX (opset 13) has no optional graph input that every runtime honours
// (an initializer under the input's name is one in onnxruntime-node, but
// onnxruntime-web refuses to feed it: "invalid input 'h0'"):
// - the default graph (model.onnx) takes only the tokens/features; each layer
//   starts from the zero state (the operator's initial_h/initial_c left
//   empty), so a client that wants tokens → probabilities feeds nothing else;
// - the streaming graph (model-streaming.onnx) also takes `h0` (and `c0`)
//   [layers, batch, hidden]: feed back hT/cT of the previous call, from
//   either graph, to continue a sequence one token at a time at constant cost.
// Other kinds carry no state across calls and have only the default graph.
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
/** The default graph's file: tokens/features in, recurrent state from zero. */
export const ONNX_DEFAULT_FILE = 'model.onnx';
/** The streaming graph's file (recurrent kinds): state inputs h0/c0 as well. */
export const ONNX_STREAMING_FILE = 'model-streaming.onnx';

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

/** Whether the model carries a recurrent state across calls, and so also gets a streaming graph (the truncated model restarts at every position: it does not). */
function hasStreamingState(config: ModelConfig): config is RecurrentConfig {
  return config.kind === 'lstm' || config.kind === 'gru' || config.kind === 'rnn';
}

export interface OnnxGraphOptions {
  /** The streaming graph: state inputs h0/c0 (recurrent kinds only). Default: the graph without them. */
  streaming?: boolean;
}

/** Inputs and outputs of one exported graph (default or streaming), for the graph itself and for seqlab.json. */
function onnxSignature(config: ModelConfig, output: OutputKind, { streaming = false }: OnnxGraphOptions = {}): OnnxSignature {
  if (streaming && !hasStreamingState(config))
    throw new Error(`onnx export: a ${config.kind} model carries no state across calls, so it has no streaming graph`);
  const inputs: OnnxTensorSpec[] = [
    config.inputFeatures > 0
      ? {
          name: 'features',
          type: 'float32',
          dims: ['batch', 'time', config.inputFeatures],
          meaning: `feature vectors, ${config.inputFeatures} per step`,
        }
      : { name: 'tokens', type: 'int64', dims: ['batch', 'time'], meaning: `token ids in [0, ${config.vocabSize})` },
  ];
  const outputs: OnnxTensorSpec[] = [];
  const meaning = OUTPUT_MEANING[output];
  outputs.push({
    name: meaning.name,
    type: 'float32',
    dims: ['batch', 'time', config.vocabSize],
    meaning: `${meaning.says} at every step, given inputs up to that step`,
  });
  if (output !== 'regression')
    outputs.push({
      name: 'logits',
      type: 'float32',
      dims: ['batch', 'time', config.vocabSize],
      meaning: `the read-out before the ${meaning.activation}`,
    });
  if (hasStreamingState(config)) {
    const state = (n: string, what: string): OnnxTensorSpec => ({
      name: n,
      type: 'float32',
      dims: [config.layers, 'batch', config.hiddenSize],
      meaning: what,
    });
    const states =
      config.kind === 'lstm'
        ? [
            ['h', 'hidden'],
            ['c', 'cell'],
          ]
        : [['h', 'hidden']];
    for (const [s, what] of states) {
      if (streaming)
        inputs.push(
          state(
            `${s}0`,
            `${what} state per layer at the start: zeros for a new sequence, ${s}T of the previous call (either graph) to continue`,
          ),
        );
      outputs.push(state(`${s}T`, `${what} state per layer after the last step (feed it as ${s}0 to ${ONNX_STREAMING_FILE} to continue)`));
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

/** The graph's body from the projected input to what the read-out reads, [B, T, width]. Streaming: the recurrent state starts from the inputs h0/c0, else from zero. */
function body(g: GraphBuilder, w: ExportWeights, config: ModelConfig, embedded: string, streaming: boolean): string {
  switch (config.kind) {
    case 'lstm':
    case 'gru':
    case 'rnn':
      return recurrentBody(g, w, config, embedded, streaming ? 'h0' : '', streaming && config.kind === 'lstm' ? 'c0' : '').hs;
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

/** One encoded graph of an ONNX export. */
export interface OnnxGraphFile {
  /** Its file name in the export folder. */
  file: string;
  streaming: boolean;
  /** What it is for (the ONNX doc string opens with it; seqlab.json repeats it). */
  use: string;
  signature: OnnxSignature;
  /** The ModelProto's bytes. */
  bytes: Uint8Array;
}

function graphUse(config: ModelConfig, streaming: boolean): string {
  if (streaming)
    return `the streaming graph: the recurrent state starts from h0${config.kind === 'lstm' ? '/c0' : ''} (zeros for a new sequence, hT${config.kind === 'lstm' ? '/cT' : ''} of the previous call to continue it one token at a time)`;
  if (hasStreamingState(config))
    return `the default graph: the recurrent state starts at zero at every call; continue a sequence from its hT${config.kind === 'lstm' ? '/cT' : ''} with ${ONNX_STREAMING_FILE}`;
  return `the only graph: a ${config.kind} model carries no state across calls`;
}

/**
 * Encodes the model as ONNX ModelProtos: the default graph, plus the
 * streaming graph for the recurrent kinds (weights read once for both).
 * Throws, naming the missing feature, for a model it cannot express.
 */
export async function toOnnxGraphs(model: SequenceModel, options: OnnxExportOptions): Promise<OnnxGraphFile[]> {
  const { config } = model;
  assertExportable('onnx', config, options.output);
  const w = await ExportWeights.of(model);
  const roles = hasStreamingState(config) ? [false, true] : [false];
  return roles.map((streaming) => {
    const signature = onnxSignature(config, options.output, { streaming });
    const file = streaming ? ONNX_STREAMING_FILE : ONNX_DEFAULT_FILE;
    const use = graphUse(config, streaming);
    return { file, streaming, use, signature, bytes: encodeGraph(w, config, options, signature, streaming, `${file}, ${use}`) };
  });
}

function encodeGraph(
  w: ExportWeights,
  config: ModelConfig,
  options: OnnxExportOptions,
  signature: OnnxSignature,
  streaming: boolean,
  use: string,
): Uint8Array {
  const g = new GraphBuilder();
  const input = signature.inputs[0]!.name;
  const x = body(g, w, config, projectInput(g, w, config, input), streaming);
  const regression = options.output === 'regression';
  const { shape } = w.get('output/kernel');
  const readout = g.one('MatMul', [x, g.floats('output.kernel', shape, w.values('output/kernel'))], {}, 'output_matmul');
  const logits = g.one(
    'Add',
    [readout, g.floats('output.bias', [shape[1]!], w.values('output/bias'))],
    {},
    regression ? 'values' : 'logits',
  );
  if (options.output === 'categorical') g.one('Softmax', [logits], { axis: -1 }, 'probabilities');
  if (options.output === 'bernoulli') g.one('Sigmoid', [logits], {}, 'probabilities');

  const dim = (d: string | number) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d });
  const elem = { int64: onnx.TensorProto.DataType.INT64, float32: onnx.TensorProto.DataType.FLOAT };
  const valueInfo = (s: OnnxTensorSpec) =>
    onnx.ValueInfoProto.create({
      name: s.name,
      docString: s.meaning,
      type: { tensorType: { elemType: elem[s.type], shape: { dim: s.dims.map(dim) } } },
    });
  const graph = onnx.GraphProto.create({
    name: `seqlab_${config.kind}${streaming ? '_streaming' : ''}`,
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
    docString: `${use}. inputs: ${describe(signature.inputs)}. outputs: ${describe(signature.outputs)}.`,
    metadataProps: Object.entries({
      kind: config.kind,
      output_kind: options.output,
      ...options.metadata,
      graph: streaming ? 'streaming' : 'default',
    }).map(([key, value]) => ({ key, value })),
    graph,
  });
  const err = onnx.ModelProto.verify(proto);
  if (err) throw new Error(`onnx export: invalid model: ${err}`);
  return onnx.ModelProto.encode(proto).finish();
}
