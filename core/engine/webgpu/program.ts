// The one door from our fused WGSL kernels into TF.js's webgpu backend: run a
// WebGPUProgram (the backend's own program interface) over tensors and get a
// tensor back. Buffers stay in the backend's buffer manager, programs are
// compiled once per shaderKey and cached by the backend, and dispatches join
// the backend's command stream like any stock kernel's.
//
// A program's getUserCode() defines `fn main(index: i32)` (flat dispatch) or
// `fn main()`; the backend prepends bindings (`getX(...)`, `setOutputAtIndex`,
// `uniforms.<name>`, `uniforms.size` when program.size is set) and `_start`.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type { WebGPUProgram };

/** A program-defined uniform, declared in `program.uniforms` (e.g. 'T : i32, scale : f32,') in the same order. */
export interface ProgramUniform {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}

/** The active webgpu backend; an error elsewhere (a fused webgpu kernel only runs where it was registered). */
export function webgpuBackend(): WebGPUBackend {
  if (tf.getBackend() !== 'webgpu') throw new Error(`webgpu kernel called on the ${tf.getBackend()} backend`);
  return tf.backend() as unknown as WebGPUBackend;
}

/**
 * Runs `program` over `inputs` (bound in the order of program.variableNames)
 * and returns its output as a new tensor of program.outputShape.
 */
export function runProgram(program: WebGPUProgram, inputs: readonly tf.Tensor[], dtype: 'float32' | 'int32' = 'float32', uniforms: ProgramUniform[] = []): tf.Tensor {
  if (inputs.length !== program.variableNames.length) throw new Error(`${program.shaderKey}: ${inputs.length} inputs for ${program.variableNames.length} variables`);
  const info = webgpuBackend().runWebGPUProgram(program, inputs as tf.Tensor[], dtype, uniforms);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Workgroups needed to cover `n` invocations with `size` per workgroup (x dimension only). */
export function workgroupsFor(n: number, size: number): [number, number, number] {
  return [Math.max(1, Math.ceil(n / size)), 1, 1];
}
