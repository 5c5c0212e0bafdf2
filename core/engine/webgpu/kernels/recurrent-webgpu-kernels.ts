// Registers the fused WGSL recurrent kernels (lstmSequence, gruSequence,
// rnnSequence) under the kernel seam for the webgpu backend. Listed in
// ../install-webgpu-kernels.ts.
import { registerFusedKernel } from '../../../ml/engine/kernel-registry.ts';
// The ops define their references at module load; registering a fused
// replacement needs them defined first.
import '../../../ml/ops/gru-sequence.ts';
import '../../../ml/ops/lstm-sequence.ts';
import '../../../ml/ops/rnn-sequence.ts';
import { webgpuGruSequence } from './gru-webgpu.ts';
import { webgpuLstmSequence } from './lstm-webgpu.ts';
import { webgpuRnnSequence } from './rnn-webgpu.ts';

export const RECURRENT_WEBGPU_KERNELS = ['lstmSequence', 'gruSequence', 'rnnSequence'] as const;

/** Registers the three recurrent kernels for 'webgpu' (sized by the active device's limits at each call). */
export function registerRecurrentWebgpuKernels(): void {
  registerFusedKernel('lstmSequence', 'webgpu', webgpuLstmSequence());
  registerFusedKernel('gruSequence', 'webgpu', webgpuGruSequence());
  registerFusedKernel('rnnSequence', 'webgpu', webgpuRnnSequence());
}
