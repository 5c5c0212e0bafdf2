// The real entry, electron/main-boot.mjs, in a real Node process with a
// scripted `electron` module: tsx loads main.ts, the scheme is registered
// before ready, the bridge and the window come up, and a quit is held until
// the service has closed, then goes through.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

it('boots main.ts through tsx and runs the app from ready to quit', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-boot-'));
  const r = spawnSync(process.execPath, ['--import', './test/electron/fixtures/register-fake-electron.mjs', 'electron/main-boot.mjs'], {
    cwd: ROOT,
    env: { ...process.env, SEQLAB_HOME: home },
    encoding: 'utf8',
    timeout: 60_000,
  });
  fs.rmSync(home, { recursive: true, force: true });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const steps = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { step: string; [k: string]: unknown });
  expect(steps.map((s) => s.step)).toEqual(['privileged', 'lock', 'handle', 'ipc', 'ipc', 'ipc', 'window', 'load', 'quit-held', 'quit']);
  expect(steps.find((s) => s.step === 'window')).toEqual({
    step: 'window',
    preload: path.join(ROOT, 'out', 'electron', 'preload.cjs'),
    sandbox: true,
  });
  expect(steps.find((s) => s.step === 'load')).toEqual({ step: 'load', url: 'app://lab/index.html' });
});
