// The one door from our fused WGSL kernels into TF.js's webgpu backend: run a
// WebGPUProgram (the backend's own program interface) over tensors and get a
// tensor back. Buffers stay in the backend's buffer manager, programs are
// compiled once per shaderKey and cached by the backend, and dispatches join
// the backend's command stream like any stock kernel's.
//
// A program's getUserCode() defines `fn main(index: i32)` (flat dispatch) or
// `fn main()`; the backend prepends bindings (`getX(...)`, `setOutputAtIndex`,
// `uniforms.<name>`, `uniforms.size` when program.size is set) and `_start`.
//
// That interface writes one output per program. runMultiOutputProgram records
// a complete shader with several read_write outputs (fresh, or existing
// tensors updated in place) into the same command stream, for passes whose
// outputs belong together: a layer's three gradients, an optimiser's
// parameter and moments.
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
export function runProgram(
  program: WebGPUProgram,
  inputs: readonly tf.Tensor[],
  dtype: 'float32' | 'int32' = 'float32',
  uniforms: ProgramUniform[] = [],
): tf.Tensor {
  if (inputs.length !== program.variableNames.length)
    throw new Error(`${program.shaderKey}: ${inputs.length} inputs for ${program.variableNames.length} variables`);
  const info = webgpuBackend().runWebGPUProgram(program, inputs as tf.Tensor[], dtype, uniforms);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** A binding of a multi-output program: a WGSL name and the tensor bound to it. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
/** An output of a multi-output program: a fresh tensor of `shape`, or an existing one updated in place. */
export type ProgramOutput = { name: string; shape: number[] } | { name: string; inPlace: tf.Tensor };

/** A complete compute shader that writes several outputs: the one-output program interface cannot. */
export interface MultiOutputProgram {
  /** Identifies the WGSL source (pipelines are cached by it). */
  key: string;
  /**
   * WGSL after the generated bindings: defines `@compute @workgroup_size(workgroupSize) fn main(...)`.
   * Outputs are `var<storage, read_write> NAME: array<f32>`, inputs `var<storage, read> NAME: array<f32|i32>`,
   * uniforms (when given) the struct `u` with fields in the order of `uniformFields`.
   */
  code: string;
  workgroups: [number, number, number];
  /** e.g. ['stepSize : f32'], matching the uniforms passed to runMultiOutputProgram in order. */
  uniformFields?: string[];
}

type BackendInternals = {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource: unknown; values: unknown; refCount: number; dtype: string } };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: 'float32' | 'int32'): tf.TensorInfo;
  makeUniforms(uniforms: ProgramUniform[]): GPUBindingResource;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: GPUCommandEncoder;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
};

const multiOutputPipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/**
 * Storage buffers one shader stage may bind on the active device. TF.js asks
 * for the device without raising this limit, so it is WebGPU's default (8)
 * whatever the adapter offers: multi-input programs split by it.
 */
export function storageBuffersPerStage(): number {
  return (webgpuBackend() as unknown as BackendInternals).device.limits.maxStorageBuffersPerShaderStage;
}

/** How many tensors share `t`'s GPU data (clones and reshapes do); an in-place write is only safe at 1. */
export function sharedDataCount(t: tf.Tensor): number {
  return (webgpuBackend() as unknown as BackendInternals).tensorMap.get(t.dataId).refCount;
}

/**
 * Runs a compute shader with several read_write outputs in one dispatch,
 * recorded into the backend's own command encoder and compute pass exactly as
 * the backend records its programs (same buffers, same submit batching), so
 * it orders correctly with every stock kernel. Outputs given `inPlace` are
 * read and written by the shader (e.g. an optimiser's moments): the caller
 * must own them (sharedDataCount 1). Returns the outputs in order (the
 * in-place ones are the tensors passed in).
 */
export function runMultiOutputProgram(
  program: MultiOutputProgram,
  outputs: readonly ProgramOutput[],
  inputs: readonly NamedTensor[],
  uniforms: ProgramUniform[] = [],
): tf.Tensor[] {
  const backend = webgpuBackend() as unknown as BackendInternals;
  // Past the limit the pipeline would be invalid and its outputs garbage, silently.
  const limit = backend.device.limits.maxStorageBuffersPerShaderStage;
  if (outputs.length + inputs.length > limit)
    throw new Error(`${program.key}: ${outputs.length + inputs.length} storage buffers, the device binds ${limit} per stage`);
  const outTensors = outputs.map((o) =>
    'inPlace' in o ? o.inPlace : tf.engine().makeTensorFromTensorInfo(backend.makeTensorInfo(o.shape, 'float32')),
  );
  for (const t of [...outTensors, ...inputs.map((i) => i.tensor)]) backend.uploadToGPU(t.dataId);
  const wgslType = (t: tf.Tensor) => (t.dtype === 'float32' ? 'f32' : 'i32');
  const declarations = [
    ...outputs.map((o, i) => `@group(0) @binding(${i}) var<storage, read_write> ${o.name}: array<f32>;`),
    ...inputs.map((inp, i) => `@group(0) @binding(${outputs.length + i}) var<storage, read> ${inp.name}: array<${wgslType(inp.tensor)}>;`),
  ];
  const fields = program.uniformFields ?? [];
  if (fields.length !== uniforms.length) throw new Error(`${program.key}: ${uniforms.length} uniforms for ${fields.length} fields`);
  if (fields.length > 0)
    declarations.push(
      `struct Uniforms { ${fields.join(', ')} };`,
      `@group(0) @binding(${outputs.length + inputs.length}) var<uniform> u: Uniforms;`,
    );
  const key = `${program.key}|${inputs.map((i) => wgslType(i.tensor)).join(',')}`;
  let cache = multiOutputPipelines.get(backend.device);
  if (!cache) multiOutputPipelines.set(backend.device, (cache = new Map()));
  let pipeline = cache.get(key);
  if (!pipeline) {
    const module = backend.device.createShaderModule({ code: `${declarations.join('\n')}\n${program.code}`, label: program.key });
    pipeline = backend.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: program.key });
    cache.set(key, pipeline);
  }
  const tensorMap = backend.tensorMap;
  const entries: GPUBindGroupEntry[] = [...outTensors, ...inputs.map((i) => i.tensor)].map((t, i) => ({
    binding: i,
    resource: { buffer: tensorMap.get(t.dataId).resource as GPUBuffer },
  }));
  if (fields.length > 0) entries.push({ binding: entries.length, resource: backend.makeUniforms(uniforms) });
  for (const t of [...outTensors, ...inputs.map((i) => i.tensor)]) backend.commandQueueOwnedIds.add(t.dataId);
  // A CPU copy cached by an earlier read would now be stale.
  for (const t of outTensors) tensorMap.get(t.dataId).values = null;
  const bindGroup = backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  backend.ensureCommandEncoderReady();
  backend.computePassEncoder ??= backend.commandEncoder.beginComputePass({});
  backend.computePassEncoder.setPipeline(pipeline);
  backend.computePassEncoder.setBindGroup(0, bindGroup);
  backend.computePassEncoder.dispatchWorkgroups(...program.workgroups);
  backend.dispatchCountInPass++;
  if (tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  return outTensors;
}

/** Threads per workgroup of the flat (one invocation per element) multi-output programs. */
export const FLAT_WORKGROUP = 64;

/** Workgroups for `n` flat invocations, folded into y past the 65,535-per-dimension limit. */
export function flatGrid(n: number, size = FLAT_WORKGROUP): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / size));
  const x = Math.min(groups, 65535);
  return [x, Math.ceil(groups / x), 1];
}

/**
 * WGSL header of a flat program's entry point: defines `index` (i32), and
 * returns early past `count` invocations (the grid is rounded up).
 */
export function flatMain(count: number, size = FLAT_WORKGROUP): string {
  return `@compute @workgroup_size(${size}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = i32((wid.y * nwg.x + wid.x) * ${size}u + lid);
  if (index >= ${count}) { return; }`;
}

/**
 * WGSL statement that uses the uniforms the backend always binds: a pipeline's
 * automatic layout drops unused bindings, and the bind group would then not match.
 */
export const USE_UNIFORMS = '_ = uniforms.NAN;';

/**
 * A one-output WebGPUProgram with one invocation per output element: `body`
 * is WGSL run with `index` (i32) below the output's size, reading inputs as
 * the arrays named in `variableNames` and writing `result[index]` (or
 * setOutputAtIndex). `key` must identify every constant baked into `body`.
 */
export function flatProgram(key: string, variableNames: string[], outputShape: number[], body: string): WebGPUProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  return {
    shaderKey: `${key}_n${size}`,
    variableNames,
    outputShape,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: flatGrid(size),
    workgroupSize: [FLAT_WORKGROUP, 1, 1],
    getUserCode: () => `fn main(index: i32) {\n  ${USE_UNIFORMS}\n  if (index >= ${size}) { return; }\n${body}\n}`,
  };
}
