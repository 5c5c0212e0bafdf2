// The backends: WebGPU (Dawn), TensorFlow C (tfjs-node[-gpu], only if the user
// installed it), wasm and cpu (both with the native fused kernels). `auto`
// chooses among them by measuring the run's own workload (choice/). Probing
// touches the environment (native libraries, optional packages), which is why
// this lives outside core/ml.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../ml/train/train-config.ts';
import { FUSED_BACKENDS, installFusedKernels } from './fused/install-fused.ts';
import { webgpuMode, type WebgpuMode } from './webgpu/dawn-gpu.ts';
import { installWebgpuBackend, setWebgpuBackendQuietly } from './webgpu/install-webgpu-backend.ts';
import { installWebgpuKernels } from './webgpu/install-webgpu-kernels.ts';
import { probeWebgpuQuietly } from './webgpu/probe-webgpu.ts';
import { decideAutoBackend } from './choice/auto-backend.ts';
import { comparisonRungs, isSoftwareAdapter, machineKey, type Rung } from './choice/choose-backend.ts';
import type { TrainingWorkload } from './choice/measure-training.ts';

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
  /** The device description; under `auto` it ends with the choice's reason. */
  device: string;
  /** Under `auto`: why this backend, with the measured figures. */
  reason?: string;
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
      return {
        name: 'webgpu',
        available: false,
        reason: 'no Vulkan loader (libvulkan.so.1) for Dawn; install your GPU driver with Vulkan support (Debian: libvulkan1)',
      };
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
      return {
        name: 'tensorflow',
        available: false,
        reason: `${pkg} loaded but registered on another @tensorflow/tfjs-core; install the version matching @tensorflow/tfjs ${tf.version_core}`,
      };
    }
    return {
      name: 'tensorflow',
      available: true,
      device: pkg.endsWith('-gpu') ? 'TensorFlow C library (CUDA)' : 'TensorFlow C library (CPU)',
    };
  }
  return {
    name: 'tensorflow',
    available: false,
    reason:
      'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed (optional; needs libtensorflow, and CUDA 11.2 for the GPU build)',
  };
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
  return fused.active
    ? `${device}; fused native kernels, ${fused.threads} thread${fused.threads === 1 ? '' : 's'}`
    : `${device}; stock kernels (fused native kernels ${fused.reason})`;
}

/** Makes `name` the active TF.js backend with its kernels; throws naming what is missing. */
async function switchTo(name: ConcreteBackend): Promise<ActiveBackend> {
  const probe = await probeBackend(name);
  if (!probe.available) throw new Error(`${name}: ${probe.reason ?? 'unavailable'}`);
  if (name === 'webgpu') {
    // TF.js requests the adapter and device here the first time: Dawn's output is captured.
    const started = await setWebgpuBackendQuietly();
    if (!started.ok) throw new Error(`webgpu: ${started.reason}`);
  } else if (!(await tf.setBackend(name))) {
    throw new Error(`${name}: failed to initialise`);
  }
  await tf.ready();
  if (name === 'webgpu') installWebgpuKernels();
  return { name, device: withFusedKernels(name, probe.device ?? name) };
}

/** What `auto` needs to choose by measurement: the run's workload, and the data folder that caches decisions. */
export interface AutoContext {
  workload?: TrainingWorkload;
  dataDir?: string;
}

/**
 * Makes `requested` the active TF.js backend; a named backend that is
 * unavailable is an error naming what is missing. 'auto' measures the run's
 * workload on every available rung (auto-backend.ts) and takes the fastest;
 * the device description then ends with why, and the figures. Build the
 * model after this returns: the measurement switches backends.
 */
export async function activateBackend(requested: BackendName, auto: AutoContext = {}): Promise<ActiveBackend> {
  if (requested === 'auto') return activateAuto(auto);
  try {
    return await switchTo(requested);
  } catch (e) {
    throw new Error(`backend ${requested} is not available (${(e as Error).message})`, { cause: e });
  }
}

/** The rungs `auto` compares: the CPU rung (wasm with the fused kernels, else cpu), then each available accelerator. */
async function autoRungs(): Promise<Rung[]> {
  const rungs: Rung[] = [];
  for (const name of ['wasm', 'cpu'] as const) {
    const probe = await probeBackend(name);
    if (!probe.available) continue;
    const fused = installFusedKernels().active;
    rungs.push({
      backend: name,
      label: fused ? `${name} + fused kernels` : name,
      device: withFusedKernels(name, probe.device ?? name),
      cpu: true,
    });
    break;
  }
  for (const name of ['webgpu', 'tensorflow'] as const) {
    const probe = await probeBackend(name);
    if (!probe.available) continue;
    const device = probe.device ?? name;
    rungs.push({ backend: name, label: name === 'webgpu' && isSoftwareAdapter(device) ? 'webgpu (software)' : name, device, cpu: false });
  }
  return comparisonRungs(rungs, softwareAdapterAsked());
}

function softwareAdapterAsked(): boolean {
  try {
    return webgpuMode() === 'software';
  } catch {
    return false;
  }
}

/** The CPU model and core count: part of the machine a cached choice holds for. */
function cpuModel(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'} ×${cpus.length}`;
}

/** What `auto` compares on this machine, and the machine key its cached choices carry (for `seqlab doctor`). */
export async function autoComparison(): Promise<{ rungs: Rung[]; machine: string }> {
  const rungs = await autoRungs();
  return { rungs, machine: machineKey(cpuModel(), rungs) };
}

async function activateAuto(context: AutoContext): Promise<ActiveBackend> {
  const rungs = await autoRungs();
  if (!rungs.some((r) => r.cpu)) throw new Error('backend auto is not available (neither wasm nor cpu could be loaded)');
  const decision = await decideAutoBackend({
    rungs,
    activate: async (name) => void (await switchTo(name)),
    workload: context.workload,
    dataDir: context.dataDir,
    cpuModel: cpuModel(),
  });
  try {
    const active = await switchTo(decision.backend);
    return { ...active, device: `${active.device} · ${decision.reason}`, reason: decision.reason };
  } catch (e) {
    // A cached GPU choice that cannot start now (device lost, memory taken) must not cost the run: train on the CPU rung.
    const cpu = rungs.find((r) => r.cpu)!;
    if (decision.backend === cpu.backend) throw e;
    const reason = `auto: ${cpu.label} (the chosen ${decision.backend} failed to start: ${(e as Error).message})`;
    const active = await switchTo(cpu.backend);
    return { ...active, device: `${active.device} · ${reason}`, reason };
  }
}
