// What the three persistent recurrent WGSL kernels (LSTM, GRU, RNN) share:
// how a whole-window recurrence is laid out on the device, the activations,
// and the program object handed to TF.js's webgpu backend.
//
// Layout: one workgroup per batch row runs every time step of that row in one
// dispatch; the row's state vector lives in workgroup memory and a
// workgroupBarrier() separates the steps. Invocation `lid` owns hidden units
// lid, lid + workgroup, lid + 2·workgroup, … (unitsPerInvocation of them), so
// a hidden size above the invocation limit still fits. What does not fit (the
// shared vector above the workgroup storage limit, a trace above the storage
// binding limit, more batch rows than workgroups per dimension) is planned as
// `undefined`, and the caller falls back to the stock-op reference.
import { webgpuBackend, type WebGPUProgram } from '../program.ts';

/** The device limits a persistent recurrence depends on. */
export interface RecurrentLimits {
  /** maxComputeInvocationsPerWorkgroup (and maxComputeWorkgroupSizeX, whichever is smaller). */
  invocations: number;
  /** maxComputeWorkgroupStorageSize, bytes. */
  workgroupBytes: number;
  /** maxComputeWorkgroupsPerDimension: one workgroup per batch row. */
  workgroups: number;
  /** maxStorageBufferBindingSize, bytes: the whole-window trace is bound as one buffer. */
  bindingBytes: number;
}

/** What a recurrence's kernels need, in floats. */
export interface RecurrentNeeds {
  /** Workgroup memory of the hungrier of its two kernels. */
  sharedFloats: number;
  /** Its largest bound buffer (usually the forward trace or the backward output). */
  bufferFloats: number;
}

/** How one recurrence is spread over a workgroup. */
export interface RecurrentPlan {
  batch: number;
  time: number;
  hidden: number;
  /** Invocations per workgroup. */
  workgroup: number;
  /** Hidden units each invocation owns (ceil(hidden / workgroup)). */
  unitsPerInvocation: number;
}

/** The active webgpu device's limits. */
export function deviceLimits(): RecurrentLimits {
  const limits = (webgpuBackend() as unknown as { device: { limits: Record<string, number> } }).device.limits;
  return {
    invocations: Math.min(limits['maxComputeInvocationsPerWorkgroup'] ?? 256, limits['maxComputeWorkgroupSizeX'] ?? 256),
    workgroupBytes: limits['maxComputeWorkgroupStorageSize'] ?? 16_384,
    workgroups: limits['maxComputeWorkgroupsPerDimension'] ?? 65_535,
    bindingBytes: limits['maxStorageBufferBindingSize'] ?? 134_217_728,
  };
}

/** Plans a persistent recurrence with these needs; undefined when the limits do not allow it. */
export function planRecurrence(
  batch: number,
  time: number,
  hidden: number,
  needs: RecurrentNeeds,
  limits: RecurrentLimits,
): RecurrentPlan | undefined {
  if (batch < 1 || time < 1 || hidden < 1 || limits.invocations < 1) return undefined;
  if (batch > limits.workgroups || needs.sharedFloats * 4 > limits.workgroupBytes || needs.bufferFloats * 4 > limits.bindingBytes)
    return undefined;
  const workgroup = Math.min(hidden, limits.invocations);
  return { batch, time, hidden, workgroup, unitsPerInvocation: Math.ceil(hidden / workgroup) };
}

/**
 * Sigmoid and tanh written so that large |x| saturates instead of producing
 * inf/inf = NaN (the same forms TF.js's own webgpu unary ops use).
 */
export const WGSL_ACTIVATIONS = `
  fn sigmoidOf(v : f32) -> f32 {
    return 1.0 / (1.0 + exp(-v));
  }
  fn tanhOf(v : f32) -> f32 {
    let e2 = exp(-2.0 * abs(v));
    return sign(v) * (1.0 - e2) / (1.0 + e2);
  }
`;

/**
 * WGSL constants and helpers ahead of a persistent kernel's recur(b, lid)
 * (b: the batch row, i.e. the workgroup; lid: the invocation): constants NB
 * (batch), NT (time), NH (hidden), WG (invocations) and UPI (units per invocation).
 */
export function persistentPrelude(plan: RecurrentPlan): string {
  return `
  const NB : i32 = ${plan.batch};
  const NT : i32 = ${plan.time};
  const NH : i32 = ${plan.hidden};
  const WG : i32 = ${plan.workgroup};
  const UPI : i32 = ${plan.unitsPerInvocation};
  ${WGSL_ACTIVATIONS}
  `;
}

/**
 * A program dispatching one workgroup per batch row; `body` defines
 * `fn recur(b : i32, lid : i32)`, the work of invocation lid for batch row b.
 * Inputs are read by their variable names (`name[i]`), the output written as
 * `result[i]` (the backend's bindings). `name` and the plan go into the shader
 * key because the code bakes the sizes in as constants (the backend's own key
 * only sees ranks and dtypes). A fresh object per run: the backend rewrites
 * shaderKey on the object it is given.
 */
export function persistentProgram(
  name: string,
  plan: RecurrentPlan,
  variableNames: string[],
  outputShape: number[],
  body: string,
): WebGPUProgram {
  // main() touches the uniforms because layout 'auto' drops a binding no code
  // uses, and the backend always binds them (the bind group would not match).
  const code = `${persistentPrelude(plan)}
  ${body}
  fn main(index : i32) {
    _ = uniforms.NAN;
    recur(i32(workgroupId.x), i32(localId.x));
  }
  `;
  return {
    variableNames,
    outputShape,
    shaderKey: `seqlab_${name}_${plan.batch}_${plan.time}_${plan.hidden}_${plan.workgroup}_${plan.unitsPerInvocation}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [plan.batch, 1, 1],
    workgroupSize: [plan.workgroup, 1, 1],
    getUserCode: () => code,
  };
}
