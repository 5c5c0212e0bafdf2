// Registers the native fused kernels under the kernel seam for the CPU
// backends (wasm and cpu: both keep tensors in host memory, so handing their
// buffers to native code costs one copy at most). WebGPU and TensorFlow C keep
// their own kernels.
import { registerFusedKernel } from '../../ml/engine/kernel-registry.ts';
// The ops define their references at module load; registering a fused
// replacement needs them defined first.
import '../../ml/ops/causal-conv.ts';
import '../../ml/ops/causal-conv-unit.ts';
import '../../ml/ops/embed-tokens.ts';
import '../../ml/ops/gru-sequence.ts';
import '../../ml/ops/lstm-sequence.ts';
import '../../ml/ops/rnn-sequence.ts';
import '../../ml/train/clip.ts';
import '../../ml/train/loss.ts';
import '../../ml/train/optimizer.ts';
import '../../ml/train/train-step.ts';
import { fusedCausalConv1d, fusedCausalConvUnit } from './fused-conv.ts';
import { fusedEmbedTokens, fusedTimeDistributedDense } from './fused-dense.ts';
import { fusedMeanCrossEntropy } from './fused-loss.ts';
import { fusedAdamUpdate, fusedGlobalNorm, fusedSgdUpdate } from './fused-optimizer.ts';
import { fusedGruSequence, fusedLstmSequence, fusedRnnSequence } from './fused-recurrent.ts';
import { loadNativeKernels } from './native-binding.ts';
import { fusedTrainStep } from './native-train-step.ts';

export const FUSED_BACKENDS = ['wasm', 'cpu'] as const;

export interface FusedStatus {
  /** True when the native kernels are registered. */
  active: boolean;
  /** Threads the native kernels use, when active. */
  threads: number;
  /** The native kernels' SIMD width ("avx512", "avx2", ...), when active. */
  simd?: string;
  /** Why not, when inactive. */
  reason?: string;
}

let status: FusedStatus | undefined;

/** Registers the fused kernels once per thread (idempotent); says whether they are in use. */
export function installFusedKernels(): FusedStatus {
  if (status) return status;
  const load = loadNativeKernels();
  if (!load.kernels) return (status = { active: false, threads: 1, reason: load.reason });
  const native = load.kernels;
  for (const backend of FUSED_BACKENDS) {
    registerFusedKernel('lstmSequence', backend, fusedLstmSequence(native));
    registerFusedKernel('gruSequence', backend, fusedGruSequence(native));
    registerFusedKernel('rnnSequence', backend, fusedRnnSequence(native));
    registerFusedKernel('causalConv1d', backend, fusedCausalConv1d(native));
    registerFusedKernel('causalConvUnit', backend, fusedCausalConvUnit(native));
    registerFusedKernel('timeDistributedDense', backend, fusedTimeDistributedDense(native));
    registerFusedKernel('embedTokens', backend, fusedEmbedTokens());
    registerFusedKernel('meanCrossEntropy', backend, fusedMeanCrossEntropy(native));
    registerFusedKernel('adamUpdate', backend, fusedAdamUpdate(native));
    registerFusedKernel('sgdUpdate', backend, fusedSgdUpdate(native));
    registerFusedKernel('globalNorm', backend, fusedGlobalNorm(native));
    registerFusedKernel('trainStep', backend, fusedTrainStep(native));
  }
  return (status = { active: true, threads: native.threads(), simd: native.simd() });
}
