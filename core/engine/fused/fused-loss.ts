// Fused softmax cross-entropy for the CPU backends: loss and gradient in one
// native pass (the stock path is log-softmax, a one-hot product, a sum and a
// mean, and as many kernels again backward). Same function as the reference
// in core/ml/train/loss.ts (compared in test/engine).
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from './native-binding.ts';
import { customOp, floats } from './tensor-data.ts';

export function fusedMeanCrossEntropy(native: NativeKernels) {
  return (logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar => {
    const [batch, time, vocab] = logits.shape;
    if (targets.dtype !== 'int32') throw new Error(`meanCrossEntropy: targets must be int32, got ${targets.dtype}`);
    const ids = targets.dataSync() as Int32Array;
    // Targets are data: the op differentiates the logits only.
    const op = customOp((inputs) => {
      const [loss, grad] = native.softmaxCrossEntropy(batch * time, vocab, floats(inputs[0]!), ids);
      const gradFunc = (dy: tf.Tensor) => {
        const scale = floats(dy)[0]!;
        return [scale === 1 ? grad : grad.map((g) => g * scale)];
      };
      return { value: tf.scalar(loss[0]!), gradFunc };
    });
    return op(logits) as tf.Scalar;
  };
}
