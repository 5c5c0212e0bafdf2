// Opens Dawn (the `webgpu` package) for one of two kinds of adapter:
// - hardware: the machine's GPU through Vulkan/Metal/D3D12, the one users train on;
// - software: Dawn's OpenGL backend over Mesa's llvmpipe rasteriser, no GPU needed.
//   It is slow and exists so that the GPU path can be developed and tested on
//   machines without a GPU (CI). Opt-in only: SEQLAB_WEBGPU=software.
// Needs (Debian) libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri for software.

/** Which adapter the webgpu rung uses. */
export type WebgpuMode = 'hardware' | 'software';

/** The slice of the WebGPU API the engine uses before TF.js takes over (full types live in @webgpu/types). */
export interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null>;
  getPreferredCanvasFormat?(): string;
  wgslLanguageFeatures?: unknown;
}
export interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  limits?: Record<string, number>;
  features?: Iterable<string>;
}

/** Reads SEQLAB_WEBGPU: unset or 'hardware' → hardware; 'software' → the software adapter; anything else is an error naming the variable. */
export function webgpuMode(env: NodeJS.ProcessEnv = process.env): WebgpuMode {
  const v = (env['SEQLAB_WEBGPU'] ?? '').trim().toLowerCase();
  if (v === '' || v === 'hardware') return 'hardware';
  if (v === 'software') return 'software';
  throw new Error(`SEQLAB_WEBGPU: expected "software" or "hardware" (got "${env['SEQLAB_WEBGPU']}")`);
}

/**
 * Creates Dawn's GPU object for `mode`. For software it selects Dawn's OpenGL
 * backend on a surfaceless EGL display and asks for a compatibility-level
 * adapter (llvmpipe offers no core-level one); the returned object applies that
 * to every requestAdapter, including TF.js's own.
 */
export async function createDawnGpu(mode: WebgpuMode): Promise<GpuLike> {
  if (mode === 'software') process.env['EGL_PLATFORM'] ??= 'surfaceless';
  const { create, globals } = (await import('webgpu')) as unknown as { create: (flags: string[]) => GpuLike; globals: object };
  Object.assign(globalThis, globals);
  const gpu = create(mode === 'software' ? ['backend=opengl'] : []);
  if (mode === 'hardware') return gpu;
  const request = gpu.requestAdapter.bind(gpu);
  return {
    requestAdapter: (options) => request({ ...options, featureLevel: 'compatibility' }),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
}

/** Human description of an adapter, e.g. "nvidia hopper NVIDIA H200" or "software (OpenGL, llvmpipe; OpenGL version 4.5 … Mesa 22.3.6)". */
export function describeAdapter(adapter: AdapterLike, mode: WebgpuMode): string {
  const info = adapter.info ?? {};
  if (mode === 'software') {
    const rasteriser = /llvmpipe/i.test(info.device ?? '') ? 'llvmpipe' : info.device || 'software rasteriser';
    return `software (OpenGL, ${rasteriser}${info.description ? `; ${info.description}` : ''})`;
  }
  return [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ') || 'WebGPU adapter';
}

/** What a missing adapter means, per mode, with the fix. */
export function noAdapterReason(mode: WebgpuMode): string {
  return mode === 'software'
    ? 'Dawn found no software adapter (OpenGL over Mesa llvmpipe); install libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri (Debian)'
    : 'Dawn found no WebGPU adapter (no GPU driver with Vulkan; software Vulkan is rejected). SEQLAB_WEBGPU=software runs the GPU path in software, for testing';
}
