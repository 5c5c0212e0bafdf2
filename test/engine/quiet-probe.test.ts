// Dawn's own output never reaches the user's terminal. The adapter probe runs
// in a child process (webgpu-adapter.test.ts covers doctor); here the webgpu
// backend is then started inside the training worker, where TF.js requests
// the adapter and device again and Dawn prints its warnings to fd 2 — the
// native addon's stderr capture keeps them off the terminal. Checked through
// the real CLI on the software adapter with `--backend auto`, which also
// prints the measured choice in its start line.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadStderrCapture } from '../../core/engine/fused/native-binding.ts';
import { probeWebgpuQuietly } from '../../core/engine/webgpu/probe-webgpu.ts';
import { lastLine } from '../../core/engine/webgpu/probe-webgpu-stderr.ts';
import { BIN, ROOT, tempHome } from '../helpers/cli.ts';

/** Lines Dawn, Mesa and the Vulkan loader print when an adapter or device is opened. */
const DAWN_NOISE = /artificially reduced|Warning:|XDG_RUNTIME_DIR|shaderUniform|eglInitialize|CheckEGL|Vulkan/;

describe('stderr capture', () => {
  const addon = path.join(ROOT, 'core/engine/native/build/seqlab_kernels.node');
  const built = fs.existsSync(addon) && loadStderrCapture() !== null;
  if (!built) console.warn('stderr capture unavailable: the native addon is not built (needs a C++ compiler)');

  it.runIf(built)('takes what is written to fd 2 between start and stop, then restores the descriptor', () => {
    // In a child, so that the real stderr after the capture can be read.
    const script = `const k = require(${JSON.stringify(addon)}); const fs = require('fs');
      k.captureStderrStart(); fs.writeSync(2, 'during\\n'); k.captureStderrStart(); fs.writeSync(2, 'nested\\n');
      const inner = k.captureStderrStop(); const outer = k.captureStderrStop(); fs.writeSync(2, 'after\\n');
      process.stdout.write(JSON.stringify({ inner, outer, extra: k.captureStderrStop() }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ inner: '', outer: 'during\nnested\n', extra: '' });
    expect(r.stderr).toBe('after\n');
  });
});

describe("a failure's reason", () => {
  it("quotes the telling line of Dawn's output, not the source location after it", () => {
    const output =
      'Warning: eglInitialize failed with EGL_NOT_INITIALIZED\n - While trying to discover a BackendType::OpenGL adapter.\n    at CheckEGL (third_party/dawn/src/dawn/native/opengl/UtilsEGL.cpp:89)\n';
    expect(lastLine(output)).toBe('Warning: eglInitialize failed with EGL_NOT_INITIALIZED');
    expect(lastLine('one\ntwo\n\n')).toBe('two');
    expect(lastLine('')).toBeUndefined();
  });
});

describe('the CLI on the software adapter', async () => {
  const saved = process.env['SEQLAB_WEBGPU'];
  process.env['SEQLAB_WEBGPU'] = 'software';
  const probe = await probeWebgpuQuietly().finally(() =>
    saved === undefined ? delete process.env['SEQLAB_WEBGPU'] : (process.env['SEQLAB_WEBGPU'] = saved),
  );
  const capture = loadStderrCapture();
  if (!probe.available) console.warn(`software WebGPU adapter unavailable here (${probe.reason}); the quiet-CLI test is skipped`);

  it.runIf(probe.available && capture)(
    "trains with auto: the start line gives the measured choice, and none of Dawn's lines reach stderr",
    () => {
      const args = ['train', '--model', 'lstm', '--steps', '1', '--backend', 'auto', '--hidden', '64', '--batch', '8', '--seq-len', '32'];
      const r = spawnSync(process.execPath, [BIN, ...args], {
        env: { ...process.env, SEQLAB_HOME: tempHome(), SEQLAB_WEBGPU: 'software', NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 240_000,
      });
      expect(r.status, r.stderr).toBe(0);
      // The webgpu rung trained in the worker (so Dawn opened an adapter and a device there) and lost to the CPU.
      expect(r.stderr).toMatch(
        /parameters on wasm \(.*auto: wasm( \+ fused kernels)? [\d,]+ tok\/s vs webgpu \(software\) [\d,]+ tok\/s \(measured \d{4}-\d\d-\d\d\)\)/,
      );
      expect(r.stdout + r.stderr).not.toMatch(DAWN_NOISE);
    },
  );
});
