// Pins issue 13's fix: on the cpu backend, a fused recurrent window hands its
// states to TF.js without any TF.js kernel walking the whole window element by
// element. The cpu backend runs a strided tf.slice (and every slice's
// gradient, tf.pad) through per-element index arithmetic; the LSTM once cut
// hs out of a packed [batch, time + 1, hidden] that way and trained 4-5×
// slower than the GRU. Counted with tf.profile over the forward and the
// backward pass, through the model-facing ops (the fused kernels run because
// they are registered, as in a model). Skipped where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { loadNativeKernels } from '../../core/engine/fused/native-binding.ts';
import { fusedKernelsFor } from '../../core/ml/engine/kernel-registry.ts';
import { gruSequence } from '../../core/ml/ops/gru-sequence.ts';
import { lstmSequence } from '../../core/ml/ops/lstm-sequence.ts';
import { rnnSequence } from '../../core/ml/ops/rnn-sequence.ts';
import { gruCase, lstmCase, outputsAndGradTensors, rnnCase, type KernelFn, type OpCase } from '../helpers/kernel-equivalence.ts';

const native = loadNativeKernels().kernels;

// Episodic feature input, as in the adding problem: many steps, few features.
const [B, T, I, H] = [4, 60, 2, 8];
const CASES: [string, KernelFn, OpCase][] = [
  ['lstmSequence', lstmSequence, lstmCase([B, T, I, H])],
  ['gruSequence', gruSequence, gruCase([B, T, I, H])],
  ['rnnSequence', rnnSequence, rnnCase([B, T, I, H])],
];

/** Elements a profiled Slice or PadV2 kernel copies one at a time on cpu: a slice's output, a pad's input. */
function elementwiseCopies(kernel: { name: string; inputShapes: number[][]; outputShapes: number[][] }): number {
  const size = (shape: number[] | undefined) => (shape ?? []).reduce((a, b) => a * b, 1);
  if (kernel.name === 'Slice') return size(kernel.outputShapes[0]);
  if (kernel.name === 'PadV2') return size(kernel.inputShapes[0]);
  return 0;
}

describe.skipIf(!native)('fused recurrent windows on cpu', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it.each(CASES)('%s: no Slice or PadV2 walks more than one step of the window', async (name, impl, op) => {
    expect(fusedKernelsFor('cpu')).toContain(name);
    let kept: tf.Tensor[] = [];
    const profile = await tf.profile(() => {
      const { outs, grads } = outputsAndGradTensors(impl, op, 7);
      kept = [...outs, ...grads];
    });
    tf.dispose(kept);
    const copied = profile.kernels.map((k) => ({ name: k.name, elements: elementwiseCopies(k) }));
    // The gradient ran (the profile saw the backward pass), and the last step's slice (B·H elements) is all that is cut.
    expect(profile.kernels.length).toBeGreaterThan(0);
    expect(copied.filter((c) => c.elements > B * H)).toEqual([]);
  });
});
