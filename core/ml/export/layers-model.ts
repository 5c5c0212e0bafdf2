// Rebuilds a trained model from standard tf.layers classes only, so stock
// TensorFlow.js (tf.loadLayersModel) can run it without any seqlab code.
// Input: token ids [batch, time]; output: next-token probabilities
// [batch, time, vocab]. Weight norm is folded into plain kernels, dropout is
// dropped (inference), and the input bias is folded into the embedding table
// (one-hot·W + b = row of (W + b)). Dilated causal convolutions become
// ZeroPadding2D + Conv2D on a [batch, time, 1, channels] view, because
// tf.layers.conv1d's causal padding is wrong when dilated (shared/guide/engine.md).
import * as tf from '@tensorflow/tfjs';
import { LstmModel } from '../models/lstm-model.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import { RnnModel } from '../models/rnn-model.ts';
import { TcnModel } from '../models/tcn-model.ts';
import { exportRefusal } from './export-support.ts';

/** Builds the equivalent tf.LayersModel with the model's current weights. */
export function toLayersModel(model: SequenceModel): tf.LayersModel {
  if (model instanceof LstmModel) return lstmToLayers(model);
  if (model instanceof TcnModel) return tcnToLayers(model);
  if (model instanceof RnnModel) return rnnToLayers(model);
  const reason =
    model.config.kind === 'gru' ? "tfjs-layers' GRU has no reset_after, the variant the lab trains" : `no tf.layers mapping for ${model.config.kind}`;
  throw exportRefusal('tfjs', model.config.kind, reason);
}

function weight(model: SequenceModel, name: string): tf.Tensor {
  const v = model.variables.find((p) => p.name === name);
  if (!v) throw new Error(`export: parameter "${name}" missing`);
  return v.variable;
}

function embeddingLayer(model: SequenceModel) {
  const { vocabSize, embedSize } = model.config;
  const layer = tf.layers.embedding({ inputDim: vocabSize, outputDim: embedSize, name: 'input_embedding' });
  return { layer, weights: () => [tf.add(weight(model, 'input/kernel'), weight(model, 'input/bias'))] };
}

function outputLayer(model: SequenceModel) {
  const layer = tf.layers.dense({ units: model.config.vocabSize, activation: 'softmax', name: 'output' });
  return { layer, weights: () => [weight(model, 'output/kernel'), weight(model, 'output/bias')] };
}

function lstmToLayers(model: LstmModel): tf.LayersModel {
  const { hiddenSize, layers } = model.config;
  const input = tf.input({ shape: [null], dtype: 'int32', name: 'tokens' });
  const embed = embeddingLayer(model);
  let x = embed.layer.apply(input) as tf.SymbolicTensor;
  const lstms: tf.layers.Layer[] = [];
  for (let l = 0; l < layers; l++) {
    const layer = tf.layers.lstm({ units: hiddenSize, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid', name: `lstm${l}` });
    x = layer.apply(x) as tf.SymbolicTensor;
    lstms.push(layer);
  }
  const out = outputLayer(model);
  const result = tf.model({ inputs: input, outputs: out.layer.apply(x) as tf.SymbolicTensor, name: 'seqlab_lstm' });
  tf.tidy(() => {
    embed.layer.setWeights(embed.weights());
    lstms.forEach((layer, l) => layer.setWeights(['kernel', 'recurrent_kernel', 'bias'].map((n) => weight(model, `lstm${l}/${n}`))));
    out.layer.setWeights(out.weights());
  });
  return result;
}

/** tf.layers.simpleRNN computes tanh(x·kernel + h·recurrent_kernel + bias), the lab's rnn exactly. */
function rnnToLayers(model: RnnModel): tf.LayersModel {
  const { hiddenSize, layers } = model.config;
  const input = tf.input({ shape: [null], dtype: 'int32', name: 'tokens' });
  const embed = embeddingLayer(model);
  let x = embed.layer.apply(input) as tf.SymbolicTensor;
  const rnns: tf.layers.Layer[] = [];
  for (let l = 0; l < layers; l++) {
    const layer = tf.layers.simpleRNN({ units: hiddenSize, returnSequences: true, activation: 'tanh', name: `rnn${l}` });
    x = layer.apply(x) as tf.SymbolicTensor;
    rnns.push(layer);
  }
  const out = outputLayer(model);
  const result = tf.model({ inputs: input, outputs: out.layer.apply(x) as tf.SymbolicTensor, name: 'seqlab_rnn' });
  tf.tidy(() => {
    embed.layer.setWeights(embed.weights());
    rnns.forEach((layer, l) => layer.setWeights(['kernel', 'recurrent_kernel', 'bias'].map((n) => weight(model, `rnn${l}/${n}`))));
    out.layer.setWeights(out.weights());
  });
  return result;
}

function tcnToLayers(model: TcnModel): tf.LayersModel {
  const { embedSize, hiddenSize, levels, kernelSize, convsPerBlock, residual } = model.config;
  const input = tf.input({ shape: [null], dtype: 'int32', name: 'tokens' });
  const embed = embeddingLayer(model);
  const pending: [tf.layers.Layer, () => tf.Tensor[]][] = [[embed.layer, embed.weights]];
  let x = embed.layer.apply(input) as tf.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [-1, 1, embedSize], name: 'to_time_x_1' }).apply(x) as tf.SymbolicTensor;
  let cin = embedSize;
  for (let l = 0; l < levels; l++) {
    const d = model.dilation(l);
    const blockInput = x;
    for (let c = 0; c < convsPerBlock; c++) {
      const name = `block${l}/conv${c}`;
      const tag = `block${l}_conv${c}`;
      x = tf.layers.zeroPadding2d({ padding: [[(kernelSize - 1) * d, 0], [0, 0]], name: `${tag}_causal_pad` }).apply(x) as tf.SymbolicTensor;
      const conv = tf.layers.conv2d({ filters: hiddenSize, kernelSize: [kernelSize, 1], dilationRate: [d, 1], padding: 'valid', activation: 'relu', name: tag });
      x = conv.apply(x) as tf.SymbolicTensor;
      const inSize = cin;
      pending.push([conv, () => [tf.reshape(model.convKernel(name), [kernelSize, 1, inSize, hiddenSize]), weight(model, `${name}/bias`)]]);
      cin = hiddenSize;
    }
    if (residual) {
      let skip = blockInput;
      if (model.hasDownsample(l)) {
        const down = tf.layers.conv2d({ filters: hiddenSize, kernelSize: [1, 1], name: `block${l}_downsample` });
        skip = down.apply(blockInput) as tf.SymbolicTensor;
        pending.push([down, () => [tf.reshape(weight(model, `block${l}/downsample/kernel`), [1, 1, embedSize, hiddenSize]), weight(model, `block${l}/downsample/bias`)]]);
      }
      x = tf.layers.add({ name: `block${l}_residual` }).apply([x, skip]) as tf.SymbolicTensor;
      x = tf.layers.reLU({ name: `block${l}_relu` }).apply(x) as tf.SymbolicTensor;
    }
  }
  x = tf.layers.reshape({ targetShape: [-1, hiddenSize], name: 'to_time' }).apply(x) as tf.SymbolicTensor;
  const out = outputLayer(model);
  pending.push([out.layer, out.weights]);
  const result = tf.model({ inputs: input, outputs: out.layer.apply(x) as tf.SymbolicTensor, name: 'seqlab_tcn' });
  tf.tidy(() => pending.forEach(([layer, weights]) => layer.setWeights(weights())));
  return result;
}
