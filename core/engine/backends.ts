// The backend ladder: WebGPU (Dawn) -> TensorFlow C (tfjs-node[-gpu], only if
// the user installed it) -> wasm -> cpu. Probing touches the environment
// (native libraries, optional packages), which is why this lives outside core/ml.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../ml/train/train-config.ts';
import { FUSED_BACKENDS, installFusedKernels } from './fused/install-fused.ts';

export type ConcreteBackend = Exclude<BackendName, 'auto'>;

export interface BackendProbe {
  name: ConcreteBackend;
  available: boolean;
  /** Human description of the device, e.g. "nvidia hopper (NVIDIA H200)" or "wasm, SIMD, 1 thread". */
  device?: string;
  /** Why it is unavailable, naming what is missing. */
  reason?: string;
}

export interface ActiveBackend {
  name: ConcreteBackend;
  device: string;
}

const require = createRequire(import.meta.url);
const LADDER: ConcreteBackend[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

let webgpuAdapterInfo: string | undefined;

/** The slice of the WebGPU API the probe uses (full types live in @webgpu/types). */
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

/** True when the Vulkan loader Dawn needs on Linux is installed (checked before loading Dawn, which prints to stderr when it is missing). */
function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  if (r.status !== 0) return true; // cannot tell: let Dawn try
  return /libvulkan\.so\.1\b/.test(r.stdout);
}

async function probeWebgpu(): Promise<BackendProbe> {
  if (webgpuAdapterInfo) return { name: 'webgpu', available: true, device: webgpuAdapterInfo };
  if (!hasVulkanLoader()) {
    return { name: 'webgpu', available: false, reason: 'no Vulkan loader (libvulkan.so.1) for Dawn; install your GPU driver with Vulkan support (Debian: libvulkan1)' };
  }
  try {
    const { create, globals } = (await import('webgpu')) as unknown as { create: (o: string[]) => GpuLike; globals: object };
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const adapter = await Promise.race([gpu.requestAdapter({ powerPreference: 'high-performance' }), new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    if (!adapter) return { name: 'webgpu', available: false, reason: 'Dawn found no WebGPU adapter (no GPU driver; software Vulkan is rejected)' };
    const info = adapter.info;
    const device = info ? [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ') : 'WebGPU adapter';
    // tfjs-backend-webgpu registers itself at import only where window and navigator.gpu exist.
    const g = globalThis as Record<string, unknown>;
    g['navigator'] = { ...(g['navigator'] as object | undefined), gpu };
    g['window'] ??= globalThis;
    await import('@tensorflow/tfjs-backend-webgpu');
    webgpuAdapterInfo = device;
    return { name: 'webgpu', available: true, device };
  } catch (e) {
    return { name: 'webgpu', available: false, reason: `WebGPU failed to start: ${(e as Error).message}` };
  }
}

async function probeTensorflow(): Promise<BackendProbe> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    let path: string;
    try {
      path = require.resolve(pkg);
    } catch {
      continue;
    }
    try {
      await import(path);
    } catch (e) {
      return { name: 'tensorflow', available: false, reason: `${pkg} is installed but failed to load: ${(e as Error).message}` };
    }
    if (!tf.findBackendFactory('tensorflow')) {
      return { name: 'tensorflow', available: false, reason: `${pkg} loaded but registered on another @tensorflow/tfjs-core; install the version matching @tensorflow/tfjs ${tf.version_core}` };
    }
    return { name: 'tensorflow', available: true, device: pkg.endsWith('-gpu') ? 'TensorFlow C library (CUDA)' : 'TensorFlow C library (CPU)' };
  }
  return { name: 'tensorflow', available: false, reason: 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed (optional; needs libtensorflow, and CUDA 11.2 for the GPU build)' };
}

async function probeWasm(): Promise<BackendProbe> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return { name: 'wasm', available: true, device: 'wasm, SIMD, 1 thread' };
  } catch (e) {
    return { name: 'wasm', available: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${(e as Error).message}` };
  }
}

function probeCpu(): BackendProbe {
  return { name: 'cpu', available: true, device: `JavaScript, 1 thread (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'})` };
}

export function probeBackend(name: ConcreteBackend): Promise<BackendProbe> {
  switch (name) {
    case 'webgpu':
      return probeWebgpu();
    case 'tensorflow':
      return probeTensorflow();
    case 'wasm':
      return probeWasm();
    case 'cpu':
      return Promise.resolve(probeCpu());
  }
}

/** Probes every rung of the ladder (for `seqlab doctor` and the UI); the CPU rungs name the kernels they would train with. */
export async function detectBackends(): Promise<BackendProbe[]> {
  const out: BackendProbe[] = [];
  for (const name of LADDER) {
    const probe = await probeBackend(name);
    out.push(probe.available && probe.device ? { ...probe, device: withFusedKernels(name, probe.device) } : probe);
  }
  return out;
}

/**
 * The backend for short model work outside training (parameter bookkeeping,
 * sampling, export): wasm, else cpu. Never probes the GPU.
 */
export function activateLocalBackend(): Promise<ActiveBackend> {
  return activateBackend('wasm').catch(() => activateBackend('cpu'));
}

/** On the CPU backends, installs the native fused kernels and names them in the device description. */
function withFusedKernels(name: ConcreteBackend, device: string): string {
  if (!(FUSED_BACKENDS as readonly string[]).includes(name)) return device;
  const fused = installFusedKernels();
  return fused.active ? `${device}; fused native kernels, ${fused.threads} thread${fused.threads === 1 ? '' : 's'}` : `${device}; stock kernels (fused native kernels ${fused.reason})`;
}

/**
 * Makes `requested` the active TF.js backend. 'auto' takes the first rung that
 * works; a named backend that is unavailable is an error naming what is missing.
 */
export async function activateBackend(requested: BackendName): Promise<ActiveBackend> {
  const candidates = requested === 'auto' ? LADDER : [requested];
  const reasons: string[] = [];
  for (const name of candidates) {
    const probe = await probeBackend(name);
    if (probe.available && (await tf.setBackend(name))) {
      await tf.ready();
      return { name, device: withFusedKernels(name, probe.device ?? name) };
    }
    reasons.push(`${name}: ${probe.reason ?? 'failed to initialise'}`);
  }
  throw new Error(`backend ${requested} is not available (${reasons.join('; ')})`);
}
