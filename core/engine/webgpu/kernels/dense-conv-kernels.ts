// Registers the non-recurrent fused WGSL kernels for the webgpu backend: the
// convolution, dense layer, embedding, loss, optimiser update and gradient
// norm. Listed in ../install-webgpu-kernels.ts.
import { registerFusedKernel } from '../../../ml/engine/kernel-registry.ts';
// The references are defined at module load; registering a fused replacement needs them defined first.
import '../../../ml/ops/causal-conv.ts';
import '../../../ml/ops/embed-tokens.ts';
import '../../../ml/train/clip.ts';
import '../../../ml/train/loss.ts';
import '../../../ml/train/optimizer.ts';
import { webgpuCausalConv1d } from './conv-causal.ts';
import { webgpuTimeDistributedDense } from './dense-time-distributed.ts';
import { webgpuEmbedTokens } from './embed-tokens.ts';
import { webgpuMeanCrossEntropy } from './loss-cross-entropy.ts';
import { webgpuGlobalNorm } from './norm-global.ts';
import { webgpuAdamUpdate } from './optimizer-adam.ts';
import { webgpuSgdUpdate } from './optimizer-sgd.ts';

export function registerDenseConvWebgpuKernels(): void {
  registerFusedKernel('causalConv1d', 'webgpu', webgpuCausalConv1d);
  registerFusedKernel('timeDistributedDense', 'webgpu', webgpuTimeDistributedDense);
  registerFusedKernel('embedTokens', 'webgpu', webgpuEmbedTokens);
  registerFusedKernel('meanCrossEntropy', 'webgpu', webgpuMeanCrossEntropy);
  registerFusedKernel('adamUpdate', 'webgpu', webgpuAdamUpdate);
  registerFusedKernel('sgdUpdate', 'webgpu', webgpuSgdUpdate);
  registerFusedKernel('globalNorm', 'webgpu', webgpuGlobalNorm);
}
