// The backend ladder: WebGPU (Dawn) -> TensorFlow C (tfjs-node[-gpu], only if
// the user installed it) -> wasm -> cpu. Probing touches the environment
// (native libraries, optional packages), which is why this lives outside core/ml.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../ml/train/train-config.ts';
import { FUSED_BACKENDS, installFusedKernels } from './fused/install-fused.ts';
import { webgpuMode, type WebgpuMode } from './webgpu/dawn-gpu.ts';
import { installWebgpuBackend } from './webgpu/install-webgpu-backend.ts';
import { installWebgpuKernels } from './webgpu/install-webgpu-kernels.ts';
import { probeWebgpuQuietly } from './webgpu/probe-webgpu.ts';

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

let webgpuProbe: Promise<BackendProbe> | undefined;

/** True when the Vulkan loader Dawn needs on Linux is installed (only the hardware adapter needs it). */
function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  if (r.status !== 0) return true; // cannot tell: let Dawn try
  return /libvulkan\.so\.1\b/.test(r.stdout);
}

/**
 * Probes once per process, quietly (a child process captures Dawn's output),
 * then installs TF.js's webgpu backend over the same kind of adapter here.
 */
function probeWebgpu(): Promise<BackendProbe> {
  webgpuProbe ??= (async (): Promise<BackendProbe> => {
    let mode: WebgpuMode;
    try {
      mode = webgpuMode();
    } catch (e) {
      return { name: 'webgpu', available: false, reason: (e as Error).message };
    }
    if (mode === 'hardware' && !hasVulkanLoader()) {
      return { name: 'webgpu', available: false, reason: 'no Vulkan loader (libvulkan.so.1) for Dawn; install your GPU driver with Vulkan support (Debian: libvulkan1)' };
    }
    const probe = await probeWebgpuQuietly();
    if (!probe.available) return { name: 'webgpu', available: false, reason: probe.reason };
    try {
      await installWebgpuBackend(probe.mode);
    } catch (e) {
      return { name: 'webgpu', available: false, reason: `WebGPU failed to start: ${(e as Error).message}` };
    }
    return { name: 'webgpu', available: true, device: probe.device };
  })();
  return webgpuProbe;
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
      if (name === 'webgpu') installWebgpuKernels();
      return { name, device: withFusedKernels(name, probe.device ?? name) };
    }
    reasons.push(`${name}: ${probe.reason ?? 'failed to initialise'}`);
  }
  throw new Error(`backend ${requested} is not available (${reasons.join('; ')})`);
}
