// Child-process side of the webgpu probe: opens Dawn, asks for an adapter and
// prints one marked JSON line. It runs in a child so that whatever Dawn and the
// GPU drivers print (Vulkan loader warnings, Mesa's XDG_RUNTIME_DIR complaint)
// lands in a pipe the parent reads, never on the user's terminal.
import { createDawnGpu, describeAdapter, noAdapterReason, webgpuMode } from './dawn-gpu.ts';
import { PROBE_MARKER, type WebgpuProbeResult } from './probe-webgpu.ts';

async function probe(): Promise<WebgpuProbeResult> {
  try {
    const mode = webgpuMode();
    const gpu = await createDawnGpu(mode);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { available: false, mode, reason: noAdapterReason(mode) };
    return { available: true, mode, device: describeAdapter(adapter, mode) };
  } catch (e) {
    return { available: false, mode: 'hardware', reason: `WebGPU failed to start: ${(e as Error).message}` };
  }
}

const result = await probe();
process.stdout.write(`\n${PROBE_MARKER}${JSON.stringify(result)}\n`, () => process.exit(0));
