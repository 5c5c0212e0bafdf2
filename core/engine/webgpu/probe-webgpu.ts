// Probes for a WebGPU adapter without letting Dawn talk to the user's
// terminal: outside Electron the probe runs in a child process whose output is
// captured (and only its verdict kept); inside Electron (whose fuses forbid
// running as plain Node) it runs in-process, with fd 2 captured by the addon.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDawnGpu, describeAdapter, noAdapterReason, webgpuMode, type WebgpuMode } from './dawn-gpu.ts';
import { withStderrCaptured } from './probe-webgpu-stderr.ts';

export const PROBE_MARKER = '@@seqlab-webgpu-probe ';
const PROBE_TIMEOUT_MS = 20_000;

export type WebgpuProbeResult =
  { available: true; mode: WebgpuMode; device: string } | { available: false; mode: WebgpuMode; reason: string };

/** Runs the probe in a child process; its stdout and stderr never reach ours. */
export function probeWebgpuQuietly(): Promise<WebgpuProbeResult> {
  let mode: WebgpuMode;
  try {
    mode = webgpuMode();
  } catch (e) {
    return Promise.resolve({ available: false, mode: 'hardware', reason: (e as Error).message });
  }
  if (process.versions['electron']) return probeInProcess(mode);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./probe-webgpu-boot.mjs', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ available: false, mode, reason: `WebGPU probe could not start: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(PROBE_MARKER));
      if (line) return resolve(JSON.parse(line.slice(PROBE_MARKER.length)) as WebgpuProbeResult);
      const why = signal === 'SIGKILL' ? `timed out after ${PROBE_TIMEOUT_MS / 1000} s` : `exited with ${signal ?? `code ${code}`}`;
      const last = err.trim().split('\n').pop();
      resolve({ available: false, mode, reason: `WebGPU probe ${why}${last ? ` (${last.slice(0, 200)})` : ''}` });
    });
  });
}

async function probeInProcess(mode: WebgpuMode): Promise<WebgpuProbeResult> {
  try {
    const { value: adapter } = await withStderrCaptured(async () =>
      (await createDawnGpu(mode)).requestAdapter({ powerPreference: 'high-performance' }),
    );
    return adapter
      ? { available: true, mode, device: describeAdapter(adapter, mode) }
      : { available: false, mode, reason: noAdapterReason(mode) };
  } catch (e) {
    return { available: false, mode, reason: `WebGPU failed to start: ${(e as Error).message}` };
  }
}
