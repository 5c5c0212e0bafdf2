// Peak training memory from a config alone, before anything is allocated, so a
// run that cannot fit is refused with a reason instead of killing the process
// (issue 17: a V8 fatal error took the whole server down). An estimate, meant
// to be within a small factor and on the safe side: every tensor is float32,
// and what backprop keeps is counted per position from the model's structure.
import type { ModelConfig } from './model-config.ts';
import { countParameters } from './parameter-count.ts';
import { inputWidth } from './params.ts';
import { truncatedBaseConfig } from './truncated-config.ts';

const FLOAT = 4;

/** What one training step holds, in bytes, and its largest single tensor. */
export interface MemoryEstimate {
  /** Weights, their gradients and the optimiser's slots (two for Adam, none for SGD). */
  parameters: number;
  /** Activations kept for backprop over batch × length, their gradients, and the one-hot inputs and outputs. */
  activations: number;
  /** Scratch of the fused kernels (packed copies, im2col): about one more of the largest tensor. */
  scratch: number;
  /** The sum. */
  total: number;
  /** Elements of the largest single tensor (a typed array of this length must be allowed). */
  largestTensor: number;
  /** Which term dominates: what the user should lower. */
  dominant: 'activations' | 'parameters';
}

/** Floats kept per position (one time step of one sequence) by the model's layers, and the widest of them. */
function perPosition(model: ModelConfig): { floats: number; widest: number } {
  const out = model.vocabSize * 3; // logits, softmax, their gradient
  const input = inputWidth(model) + model.embedSize; // one-hot (or features) and the projection
  switch (model.kind) {
    case 'lstm':
      // gates 4H, cell, tanh(cell), hidden per layer
      return {
        floats: input + out + model.layers * 7 * model.hiddenSize,
        widest: Math.max(4 * model.hiddenSize, model.vocabSize, inputWidth(model)),
      };
    case 'gru':
      return {
        floats: input + out + model.layers * 6 * model.hiddenSize,
        widest: Math.max(3 * model.hiddenSize, model.vocabSize, inputWidth(model)),
      };
    case 'rnn':
      return {
        floats: input + out + model.layers * 2 * model.hiddenSize,
        widest: Math.max(model.hiddenSize, model.vocabSize, inputWidth(model)),
      };
    case 'tcn': {
      // per convolution: im2col (k × width), output, dropout mask, residual
      const convs = model.levels * model.convsPerBlock;
      return {
        floats: input + out + convs * (model.kernelSize + 3) * model.hiddenSize,
        widest: Math.max(model.kernelSize * model.hiddenSize, model.vocabSize, inputWidth(model)),
      };
    }
    case 'gcnn': {
      const convs = model.levels * model.convsPerBlock;
      return {
        floats: input + out + convs * (model.kernelSize + 4) * model.hiddenSize,
        widest: Math.max(model.kernelSize * model.hiddenSize, 2 * model.hiddenSize, model.vocabSize, inputWidth(model)),
      };
    }
    case 'wavenet': {
      const layers = model.stacks * model.layersPerStack;
      const perLayer = model.kernelSize * model.residualChannels + 4 * model.dilationChannels + model.residualChannels + model.skipChannels;
      return {
        floats: input + out + layers * perLayer + 3 * model.skipChannels,
        widest: Math.max(model.kernelSize * model.residualChannels, 2 * model.dilationChannels, model.vocabSize, inputWidth(model)),
      };
    }
    case 'truncated': {
      // Every output reruns the base over its k inputs: k positions of the base per position.
      const base = perPosition(truncatedBaseConfig(model));
      return { floats: input + out + model.k * (base.floats - inputWidth(model) - 3 * model.vocabSize), widest: model.k * base.widest };
    }
  }
}

/**
 * Peak memory of training `model` with `batchSize` sequences of `seqLen` steps.
 * @param optimizer Adam keeps two slots per weight, SGD none
 */
export function estimateTrainingMemory(
  model: ModelConfig,
  train: { batchSize: number; seqLen: number; optimizer: 'adam' | 'sgd' },
): MemoryEstimate {
  const params = countParameters(model);
  const slots = train.optimizer === 'adam' ? 2 : 0;
  const parameters = params * FLOAT * (2 + slots);
  const positions = train.batchSize * (train.seqLen + 1);
  const { floats, widest } = perPosition(model);
  const activations = positions * floats * FLOAT * 2; // kept forward, and their gradients on the way back
  const largestTensor = Math.max(positions * widest, params);
  const scratch = largestTensor * FLOAT;
  return {
    parameters,
    activations,
    scratch,
    total: parameters + activations + scratch,
    largestTensor,
    dominant: activations >= parameters ? 'activations' : 'parameters',
  };
}
