// The webgpu rung's adapters: SEQLAB_WEBGPU selects hardware (default) or
// Dawn's software adapter (OpenGL over Mesa llvmpipe, for testing the GPU path
// without a GPU); the probe runs in a child process so Dawn's output never
// reaches the user's terminal; doctor names the adapter it found.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { webgpuMode } from '../../core/engine/webgpu/dawn-gpu.ts';
import { probeWebgpuQuietly } from '../../core/engine/webgpu/probe-webgpu.ts';
import { BIN, tempHome } from '../helpers/cli.ts';

/** Runs the probe with SEQLAB_WEBGPU set for the child only. */
async function probeWith(value: string | undefined) {
  const saved = process.env['SEQLAB_WEBGPU'];
  if (value === undefined) delete process.env['SEQLAB_WEBGPU'];
  else process.env['SEQLAB_WEBGPU'] = value;
  try {
    return await probeWebgpuQuietly();
  } finally {
    if (saved === undefined) delete process.env['SEQLAB_WEBGPU'];
    else process.env['SEQLAB_WEBGPU'] = saved;
  }
}

describe('SEQLAB_WEBGPU', () => {
  it('selects hardware by default and software on request; anything else names the variable', () => {
    expect(webgpuMode({})).toBe('hardware');
    expect(webgpuMode({ SEQLAB_WEBGPU: 'hardware' })).toBe('hardware');
    expect(webgpuMode({ SEQLAB_WEBGPU: ' Software ' })).toBe('software');
    expect(() => webgpuMode({ SEQLAB_WEBGPU: 'llvmpipe' })).toThrow(/SEQLAB_WEBGPU: expected "software" or "hardware" \(got "llvmpipe"\)/);
  });

  it('an invalid value makes the rung unavailable with that reason, without starting Dawn', async () => {
    const probe = await probeWith('gpu-please');
    expect(probe.available).toBe(false);
    expect(!probe.available && probe.reason).toMatch(/SEQLAB_WEBGPU/);
  });
});

describe('software adapter', async () => {
  const probe = await probeWith('software');
  if (!probe.available)
    console.warn(`software WebGPU adapter unavailable here (${probe.reason}); CI installs libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri`);

  it.runIf(probe.available)('is found and described as software OpenGL over llvmpipe', () => {
    expect(probe).toMatchObject({ available: true, mode: 'software' });
    expect(probe.available && probe.device).toMatch(/^software \(OpenGL, llvmpipe/);
  });

  it.runIf(probe.available)("doctor names it, and none of Dawn's own output reaches the terminal", () => {
    const r = spawnSync(process.execPath, [BIN, 'doctor'], {
      env: { ...process.env, SEQLAB_HOME: tempHome(), SEQLAB_WEBGPU: 'software', NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/yes webgpu\s+software \(OpenGL, llvmpipe/);
    // Dawn prints these when it opens the OpenGL backend; the probe's child swallows them.
    expect(r.stdout + r.stderr).not.toMatch(/artificially reduced|Warning:/);
  });

  it('without a GPU, the hardware adapter is unavailable and the reason points at the software adapter', async () => {
    const hw = await probeWith(undefined);
    if (hw.available) return; // a machine with a GPU: nothing to check here
    expect(hw.reason).toMatch(/no WebGPU adapter|Vulkan/);
  });
});
