// Counts the GPU work TF.js's webgpu backend (and our fused kernels) record:
// compute dispatches and queue submits, by wrapping the two WebGPU methods
// every dispatch and submit goes through. For `seqlab bench`, whose budget is
// dispatches per training step. The wrappers cost a counter increment each.

/** Running totals since the counter was installed. */
export interface GpuWorkCounts {
  dispatches: number;
  submits: number;
}

const counts: GpuWorkCounts = { dispatches: 0, submits: 0 };
let installed = false;

type Method = (this: unknown, ...args: unknown[]) => unknown;

function wrap(className: string, method: string, count: () => void): void {
  const ctor = (globalThis as Record<string, unknown>)[className] as { prototype: Record<string, Method> } | undefined;
  if (!ctor?.prototype?.[method])
    throw new Error(`dispatch counter: ${className}.${method} is not defined (is the webgpu backend installed?)`);
  const original = ctor.prototype[method];
  ctor.prototype[method] = function (this: unknown, ...args: unknown[]) {
    count();
    return original.apply(this, args);
  };
}

/**
 * Starts counting (idempotent). Needs the WebGPU globals that createDawnGpu
 * assigns (GPUComputePassEncoder, GPUQueue), i.e. the webgpu backend installed.
 * @returns a reader of the running totals
 */
export function installDispatchCounter(): () => GpuWorkCounts {
  if (!installed) {
    wrap('GPUComputePassEncoder', 'dispatchWorkgroups', () => counts.dispatches++);
    wrap('GPUQueue', 'submit', () => counts.submits++);
    installed = true;
  }
  return () => ({ ...counts });
}
