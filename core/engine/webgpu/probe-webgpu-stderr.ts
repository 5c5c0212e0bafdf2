// Keeps what Dawn and the GPU drivers print while a WebGPU adapter and device
// are opened in this process (e.g. "Warning: maxDynamicUniformBuffersPerPipelineLayout
// artificially reduced…" on the software adapter, Mesa's "error: XDG_RUNTIME_DIR
// is invalid…", Dawn's Vulkan warnings) off the user's terminal. They write to
// file descriptor 2 from C++, out of reach of any JS stream, so the native
// addon redirects the descriptor around the call (core/engine/native). The
// probe itself runs in a child process (probe-webgpu.ts); this covers the
// in-process start that follows it. Without the addon (no C++ compiler) the
// call runs uncaptured.
import { loadStderrCapture, type StderrCapture } from '../fused/native-binding.ts';

export interface Captured<T> {
  value: T;
  /** What reached stderr meanwhile ('' when nothing did or capture is unavailable). */
  output: string;
  /** False when the addon is missing and the output went to the terminal. */
  captured: boolean;
}

/**
 * Runs `start` with fd 2 pointed at a temporary file. Anything else the
 * process writes to stderr in that window (other threads) is captured too:
 * keep the window to the adapter/device request.
 */
export async function withStderrCaptured<T>(start: () => Promise<T>): Promise<Captured<T>> {
  const capture = loadStderrCapture();
  if (!capture || !tryStart(capture)) return { value: await start(), output: '', captured: false };
  let value: T;
  try {
    value = await start();
  } catch (e) {
    const output = capture.captureStderrStop();
    throw withDawnOutput(e, output);
  }
  return { value, output: capture.captureStderrStop(), captured: true };
}

/** Starts a capture; false where fd 2 cannot be redirected (e.g. a GUI process without one): the call then runs uncaptured. */
function tryStart(capture: StderrCapture): boolean {
  try {
    capture.captureStderrStart();
    return true;
  } catch {
    return false;
  }
}

/**
 * The telling line of captured output, shortened: the last "error:" or
 * "Warning:" line (Dawn follows them with context and source locations),
 * else the last non-empty one.
 */
export function lastLine(output: string, max = 200): string | undefined {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.findLast((l) => /^(error|warning)\b/i.test(l)) ?? lines.at(-1);
  return line?.slice(0, max);
}

function withDawnOutput(e: unknown, output: string): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const last = lastLine(output);
  if (last && !err.message.includes(last)) err.message = `${err.message} (Dawn: ${last})`;
  return err;
}
