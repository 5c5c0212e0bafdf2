// Registers the fused WGSL kernels under the kernel seam for the webgpu
// backend. Each family lives in its own module under ./kernels and exposes a
// `register…` function; this file only lists them. SEQLAB_WEBGPU_FUSED=0 keeps
// TF.js's stock kernels (for comparisons and bisecting).
import { fusedKernelsFor } from '../../ml/engine/kernel-registry.ts';
import { registerDenseConvWebgpuKernels } from './kernels/dense-conv-kernels.ts';
import { registerRecurrentWebgpuKernels } from './kernels/recurrent-webgpu-kernels.ts';

export interface WebgpuKernelStatus {
  active: boolean;
  /** Names registered for 'webgpu'. */
  kernels: string[];
  reason?: string;
}

let status: WebgpuKernelStatus | undefined;

/** Idempotent per thread. */
export function installWebgpuKernels(): WebgpuKernelStatus {
  if (status) return status;
  if (process.env['SEQLAB_WEBGPU_FUSED'] === '0')
    return (status = { active: false, kernels: [], reason: 'turned off by SEQLAB_WEBGPU_FUSED=0' });
  const registrations: Array<() => void> = [
    // Each kernel family adds its register function here.
    registerRecurrentWebgpuKernels,
    registerDenseConvWebgpuKernels,
  ];
  for (const register of registrations) register();
  const kernels = fusedKernelsFor('webgpu');
  return (status =
    kernels.length > 0 ? { active: true, kernels } : { active: false, kernels, reason: 'no fused WGSL kernels are registered' });
}
