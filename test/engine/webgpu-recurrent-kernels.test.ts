// Guards the fused WGSL recurrent kernels (core/engine/webgpu/kernels) against
// the stock-op references in core/ml/ops, both run on the webgpu backend over
// the software adapter (Dawn on OpenGL over Mesa llvmpipe): outputs AND
// gradients with respect to every float input agree within 1e-4 relative on
// random inputs of odd shapes; the kernel that runs is the fused one; a
// hidden size above the workgroup size (several units per invocation) and a
// size over the limits (the stock fallback) compute the same function; no
// tensor leaks. Skipped, with the reason, where the software adapter is
// unavailable. Shapes are tiny: llvmpipe is slow.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, probeBackend } from '../../core/engine/backends.ts';
import { webgpuGruSequence } from '../../core/engine/webgpu/kernels/gru-webgpu.ts';
import { planLstm, webgpuLstmSequence } from '../../core/engine/webgpu/kernels/lstm-webgpu.ts';
import { RECURRENT_WEBGPU_KERNELS } from '../../core/engine/webgpu/kernels/recurrent-webgpu-kernels.ts';
import { deviceLimits, type RecurrentLimits } from '../../core/engine/webgpu/kernels/recurrent-wgsl.ts';
import { webgpuRnnSequence } from '../../core/engine/webgpu/kernels/rnn-webgpu.ts';
import { fusedKernelsFor, referenceKernel, resolveKernel } from '../../core/ml/engine/kernel-registry.ts';
import { gruSequence } from '../../core/ml/ops/gru-sequence.ts';
import { lstmSequence } from '../../core/ml/ops/lstm-sequence.ts';
import { rnnSequence } from '../../core/ml/ops/rnn-sequence.ts';
import { Rng } from '../../core/ml/rng.ts';
import {
  expectMatchesReference,
  gruCase,
  type KernelFn,
  lstmCase,
  outputsAndGrads,
  outputsAndGradTensors,
  type RecurrentShape,
  rnnCase,
} from '../helpers/kernel-equivalence.ts';

// Only a missing adapter skips; once it is there, failing to activate the
// backend (or to register the kernels) fails the tests.
process.env['SEQLAB_WEBGPU'] = 'software';
const probe = await probeBackend('webgpu');
const unavailable = probe.available ? undefined : (probe.reason ?? 'unknown reason');
if (unavailable) console.warn(`webgpu recurrent kernel tests skipped: software adapter unavailable (${unavailable})`);

type Fn = KernelFn;
type Rec = RecurrentShape;

const SHAPES: Rec[] = [
  [1, 1, 3, 1],
  [3, 2, 3, 5],
  [3, 7, 3, 17],
  [1, 7, 3, 5],
];
const OPS = [
  {
    name: 'lstmSequence',
    kind: 'lstm',
    publicOp: lstmSequence as Fn,
    build: lstmCase,
    limited: (l: RecurrentLimits) => webgpuLstmSequence(l) as Fn,
    seed: 11,
  },
  {
    name: 'gruSequence',
    kind: 'gru',
    publicOp: gruSequence as Fn,
    build: gruCase,
    limited: (l: RecurrentLimits) => webgpuGruSequence(l) as Fn,
    seed: 12,
  },
  {
    name: 'rnnSequence',
    kind: 'rnn',
    publicOp: rnnSequence as Fn,
    build: rnnCase,
    limited: (l: RecurrentLimits) => webgpuRnnSequence(l) as Fn,
    seed: 13,
  },
];

/** Whether the backend compiled a persistent forward kernel of this kind for [batch, time, hidden] (its shader key, see recurrent-wgsl.ts). */
function compiledForward(kind: string, batch: number, time: number, hidden: number): boolean {
  const cache = (tf.backend() as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
  return Object.keys(cache).some((key) => key.startsWith(`seqlab_${kind}_forward_${batch}_${time}_${hidden}_`));
}

describe.skipIf(unavailable !== undefined)('fused WGSL recurrent kernels on webgpu (software adapter)', () => {
  beforeAll(async () => {
    await activateBackend('webgpu');
  });

  it('are registered for webgpu and resolve there', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(fusedKernelsFor('webgpu')).toEqual(expect.arrayContaining([...RECURRENT_WEBGPU_KERNELS]));
    for (const name of RECURRENT_WEBGPU_KERNELS) expect(resolveKernel(name), name).not.toBe(referenceKernel(name));
  });

  describe.each(OPS)('$name', ({ name, kind, publicOp, build, limited, seed }) => {
    it.each(SHAPES)('B=%i T=%i I=%i H=%i: outputs and gradients match the reference', async (...s) => {
      // Not a tautology: the public op resolves to the fused kernel here, and its persistent kernel ran.
      expect(resolveKernel(name)).not.toBe(referenceKernel(name));
      await expectMatchesReference(name, publicOp, build(s), seed);
      expect(compiledForward(kind, s[0], s[1], s[3])).toBe(true);
    });

    it('several hidden units per invocation (workgroup of 4 over hidden 17) match the reference', async () => {
      await expectMatchesReference(name, limited({ ...deviceLimits(), invocations: 4 }), build([3, 2, 3, 17]), seed + 1);
    });

    it('saturating pre-activations (inputs spread 6) stay finite and match the reference', async () => {
      await expectMatchesReference(name, publicOp, build([3, 7, 3, 5], 6), seed + 3);
    });

    it('a size over the workgroup storage limit falls back to the reference and still matches', async () => {
      await expectMatchesReference(name, limited({ ...deviceLimits(), workgroupBytes: 8 }), build([1, 2, 3, 5]), seed + 2);
      expect(compiledForward(kind, 1, 2, 5)).toBe(false); // no other case here has this shape
    });

    it('leaves no tensors behind (forward and gradients inside tf.tidy)', async () => {
      const op = build([3, 2, 3, 5]);
      await outputsAndGrads(publicOp, op, 1); // the first call may create lasting state; count from the second
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { outs, grads } = outputsAndGradTensors(publicOp, op, 2);
        expect(outs.length + grads.length).toBeGreaterThan(0);
      });
      expect(tf.memory().numTensors).toBe(before);
    });

    it('leaves no tensors behind without an enclosing tidy (forward only, no tape)', () => {
      const inputs = build([3, 2, 3, 5]).inputs(new Rng(4));
      const before = tf.memory().numTensors;
      tf.dispose(build([3, 2, 3, 5]).call(publicOp, inputs));
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(inputs);
    });
  });

  it('plans by the device limits: LSTM h128 b32 t64 is persistent; too much workgroup memory, too large a trace or too many batch rows is not', () => {
    const limits = deviceLimits();
    expect(planLstm(32, 64, 128, limits)).toMatchObject({
      workgroup: Math.min(128, limits.invocations),
      unitsPerInvocation: Math.ceil(128 / Math.min(128, limits.invocations)),
    });
    expect(planLstm(1, 1, 17, { ...limits, invocations: 4 })).toMatchObject({ workgroup: 4, unitsPerInvocation: 5 });
    expect(planLstm(1, 1, 17, { ...limits, workgroupBytes: 4 * 4 * 17 })).toBeDefined();
    expect(planLstm(1, 1, 17, { ...limits, workgroupBytes: 4 * 4 * 17 - 1 })).toBeUndefined(); // dZ of one step: 4·17 floats
    expect(planLstm(32, 64, 128, { ...limits, bindingBytes: 4 * 32 * 65 * 6 * 128 - 1 })).toBeUndefined(); // the trace [32, 65, 6·128]
    expect(planLstm(33, 64, 128, { ...limits, workgroups: 32 })).toBeUndefined();
  });
});
