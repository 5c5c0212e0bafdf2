// Rebuilds a trained model from standard tf.layers classes only, so stock
// TensorFlow.js (tf.loadLayersModel) can run it without any seqlab code.
// Input: token ids [batch, time] (int32), or features [batch, time, width]
// (float32); output what the lab computes: probabilities (softmax for
// categorical, sigmoid per unit for Bernoulli) or values (regression),
// [batch, time, outputs]. Weight norm is folded into plain kernels, dropout is
// dropped (inference), and for token input the input bias is folded into the
// embedding table (one-hot·W + b = row of (W + b)). Dilated causal
// convolutions become ZeroPadding2D + Conv2D on a [batch, time, 1, channels]
// view, because tf.layers.conv1d's causal padding is wrong when dilated
// (shared/guide/engine.md). Kinds tf.layers cannot express are refused
// (export-support.ts) before anything is built.
import * as tf from '@tensorflow/tfjs';
import type { GcnnConfig, LstmConfig, ModelConfig, RnnConfig, TcnConfig, WavenetConfig } from '../models/model-config.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import { WAVENET_INPUT_KERNEL, wavenetLayers } from '../models/wavenet-model.ts';
import type { OutputKind } from '../tasks/task-types.ts';
import { assertExportable, OUTPUT_MEANING } from './export-support.ts';
import { ExportWeights, type WeightArray } from './export-weights.ts';

type Sym = tf.SymbolicTensor;

/** Layers and the weights to set on them once the graph is built. */
class LayersBuilder {
  private readonly pending: [tf.layers.Layer, WeightArray[]][] = [];

  constructor(readonly w: ExportWeights) {}

  /** Applies `layer` to `x` and remembers the weights it gets. */
  apply(layer: tf.layers.Layer, x: Sym | Sym[], weights: WeightArray[] = []): Sym {
    if (weights.length) this.pending.push([layer, weights]);
    return layer.apply(x) as Sym;
  }

  /** Sets every remembered layer's weights (after tf.model has built them). */
  setWeights(): void {
    tf.tidy(() => this.pending.forEach(([layer, ws]) => layer.setWeights(ws.map((a) => tf.tensor(a.values, a.shape, 'float32')))));
  }

  vector(name: string): WeightArray {
    return this.w.get(name);
  }

  /**
   * A causal dilated convolution on the [batch, time, 1, Cin] view.
   * @param kernel the lab's [k·Cin, Cout] (tap j oldest first), reshaped to Conv2D's [k, 1, Cin, Cout]
   */
  causalConv(
    x: Sym,
    tag: string,
    kernel: WeightArray,
    bias: WeightArray,
    k: number,
    d: number,
    activation: 'relu' | 'linear' | 'tanh' | 'sigmoid',
  ): Sym {
    const [rows, cout] = kernel.shape as [number, number];
    const padded = this.apply(
      tf.layers.zeroPadding2d({
        padding: [
          [(k - 1) * d, 0],
          [0, 0],
        ],
        name: `${tag}_causal_pad`,
      }),
      x,
    );
    const conv = tf.layers.conv2d({ filters: cout, kernelSize: [k, 1], dilationRate: [d, 1], padding: 'valid', activation, name: tag });
    return this.apply(conv, padded, [{ shape: [k, 1, rows / k, cout], values: kernel.values }, bias]);
  }

  /** A position-wise dense map on the last axis (any rank). */
  dense(
    x: Sym,
    tag: string,
    kernel: WeightArray,
    bias: WeightArray,
    activation: 'relu' | 'linear' | 'softmax' | 'sigmoid' = 'linear',
  ): Sym {
    return this.apply(tf.layers.dense({ units: kernel.shape[1]!, activation, name: tag }), x, [kernel, bias]);
  }
}

/** The model's input and its projection: an embedding of W + b for tokens, a dense map for features. @returns input, [B, T, E] */
function inputProjection(b: LayersBuilder, config: ModelConfig): { input: Sym; x: Sym } {
  const kernel = b.w.get('input/kernel');
  const bias = b.w.values('input/bias');
  if (config.inputFeatures > 0) {
    const input = tf.input({ shape: [null, config.inputFeatures], dtype: 'float32', name: 'features' });
    return { input, x: b.dense(input, 'input_projection', kernel, b.vector('input/bias')) };
  }
  const [rows, e] = kernel.shape as [number, number];
  const table = new Float32Array(rows * e);
  for (let r = 0; r < rows; r++) for (let c = 0; c < e; c++) table[r * e + c] = kernel.values[r * e + c]! + bias[c]!;
  const input = tf.input({ shape: [null], dtype: 'int32', name: 'tokens' });
  return {
    input,
    x: b.apply(tf.layers.embedding({ inputDim: rows, outputDim: e, name: 'input_embedding' }), input, [
      { shape: [rows, e], values: table },
    ]),
  };
}

/** tf.layers.lstm (gates i, f, c, o as the lab) and simpleRNN (tanh(x·W + h·U + b)) compute the lab's cells exactly. */
function recurrentBody(b: LayersBuilder, config: LstmConfig | RnnConfig, x: Sym): Sym {
  for (let l = 0; l < config.layers; l++) {
    const prefix = `${config.kind}${l}`;
    const layer =
      config.kind === 'lstm'
        ? tf.layers.lstm({
            units: config.hiddenSize,
            returnSequences: true,
            activation: 'tanh',
            recurrentActivation: 'sigmoid',
            name: prefix,
          })
        : tf.layers.simpleRNN({ units: config.hiddenSize, returnSequences: true, activation: 'tanh', name: prefix });
    x = b.apply(
      layer,
      x,
      ['kernel', 'recurrent_kernel', 'bias'].map((n) => b.w.get(`${prefix}/${n}`)),
    );
  }
  return x;
}

const toImageView = (b: LayersBuilder, x: Sym, width: number) =>
  b.apply(tf.layers.reshape({ targetShape: [-1, 1, width], name: 'to_time_x_1' }), x);
const fromImageView = (b: LayersBuilder, x: Sym, width: number) =>
  b.apply(tf.layers.reshape({ targetShape: [-1, width], name: 'to_time' }), x);

function tcnBody(b: LayersBuilder, config: TcnConfig, x: Sym): Sym {
  const { embedSize, hiddenSize, levels, kernelSize: k, convsPerBlock, residual } = config;
  x = toImageView(b, x, embedSize);
  for (let l = 0; l < levels; l++) {
    const blockInput = x;
    for (let c = 0; c < convsPerBlock; c++)
      x = b.causalConv(x, `block${l}_conv${c}`, b.w.kernel(`block${l}/conv${c}`), b.vector(`block${l}/conv${c}/bias`), k, 2 ** l, 'relu');
    if (residual) {
      const down = `block${l}/downsample`;
      const skip = b.w.has(`${down}/kernel`)
        ? b.dense(blockInput, `block${l}_downsample`, b.w.get(`${down}/kernel`), b.vector(`${down}/bias`))
        : blockInput;
      x = b.apply(tf.layers.reLU({ name: `block${l}_relu` }), b.apply(tf.layers.add({ name: `block${l}_residual` }), [x, skip]));
    }
  }
  return fromImageView(b, x, hiddenSize);
}

function gcnnBody(b: LayersBuilder, config: GcnnConfig, x: Sym): Sym {
  const { embedSize, hiddenSize, levels, kernelSize: k, convsPerBlock, dilated } = config;
  x = toImageView(b, x, embedSize);
  for (let l = 0; l < levels; l++) {
    const d = dilated ? 2 ** l : 1;
    let h = x;
    for (let c = 0; c < convsPerBlock; c++) {
      const name = `block${l}/conv${c}`;
      const tag = `block${l}_conv${c}`;
      const linear = b.causalConv(h, `${tag}_linear`, b.w.kernel(`${name}/linear`), b.vector(`${name}/linear/bias`), k, d, 'linear');
      const gate = b.causalConv(h, `${tag}_gate`, b.w.kernel(`${name}/gate`), b.vector(`${name}/gate/bias`), k, d, 'sigmoid');
      h = b.apply(tf.layers.multiply({ name: `${tag}_glu` }), [linear, gate]);
    }
    const proj = `block${l}/projection`;
    const skip = b.w.has(`${proj}/kernel`) ? b.dense(x, `block${l}_projection`, b.w.get(`${proj}/kernel`), b.vector(`${proj}/bias`)) : x;
    x = b.apply(tf.layers.add({ name: `block${l}_residual` }), [h, skip]);
  }
  return fromImageView(b, x, hiddenSize);
}

/** Causal input convolution, gated layers with skip and residual 1×1 maps, ReLU → 1×1 → ReLU (the last 1×1 is the read-out). */
function wavenetBody(b: LayersBuilder, config: WavenetConfig, x: Sym): Sym {
  x = toImageView(b, x, config.embedSize);
  x = b.causalConv(x, 'causal', b.w.get('causal/kernel'), b.vector('causal/bias'), WAVENET_INPUT_KERNEL, 1, 'linear');
  const skips: Sym[] = [];
  for (const layer of wavenetLayers(config)) {
    const name = `layer${layer.index}`;
    const f = b.causalConv(
      x,
      `${name}_filter`,
      b.w.get(`${name}/filter/kernel`),
      b.vector(`${name}/filter/bias`),
      config.kernelSize,
      layer.dilation,
      'tanh',
    );
    const g = b.causalConv(
      x,
      `${name}_gate`,
      b.w.get(`${name}/gate/kernel`),
      b.vector(`${name}/gate/bias`),
      config.kernelSize,
      layer.dilation,
      'sigmoid',
    );
    const z = b.apply(tf.layers.multiply({ name: `${name}_gated` }), [f, g]);
    skips.push(b.dense(z, `${name}_skip`, b.w.get(`${name}/skip/kernel`), b.vector(`${name}/skip/bias`)));
    if (layer.hasResidual)
      x = b.apply(tf.layers.add({ name: `${name}_next` }), [
        x,
        b.dense(z, `${name}_residual`, b.w.get(`${name}/residual/kernel`), b.vector(`${name}/residual/bias`)),
      ]);
  }
  const skipSum = skips.length === 1 ? skips[0]! : b.apply(tf.layers.add({ name: 'skip_sum' }), skips);
  const hidden = b.dense(
    b.apply(tf.layers.reLU({ name: 'skip_relu' }), skipSum),
    'output_hidden',
    b.w.get('output/hidden/kernel'),
    b.vector('output/hidden/bias'),
    'relu',
  );
  return fromImageView(b, hidden, config.skipChannels);
}

function body(b: LayersBuilder, config: ModelConfig, x: Sym): Sym {
  switch (config.kind) {
    case 'lstm':
    case 'rnn':
      return recurrentBody(b, config, x);
    case 'tcn':
      return tcnBody(b, config, x);
    case 'gcnn':
      return gcnnBody(b, config, x);
    case 'wavenet':
      return wavenetBody(b, config, x);
    default:
      throw new Error(`tfjs export: internal error, no tf.layers body for ${config.kind}`); // refused by assertExportable first
  }
}

/** Builds the equivalent tf.LayersModel with the model's current weights; refuses, naming the feature, what tf.layers cannot express. */
export async function toLayersModel(model: SequenceModel, output: OutputKind): Promise<tf.LayersModel> {
  const { config } = model;
  assertExportable('tfjs', config, output);
  const b = new LayersBuilder(await ExportWeights.of(model));
  const { input, x } = inputProjection(b, config);
  const activation = OUTPUT_MEANING[output].activation;
  const y = b.dense(body(b, config, x), OUTPUT_MEANING[output].name, b.w.get('output/kernel'), b.vector('output/bias'), activation);
  const result = tf.model({ inputs: input, outputs: y, name: `seqlab_${config.kind}` });
  b.setWeights();
  return result;
}
