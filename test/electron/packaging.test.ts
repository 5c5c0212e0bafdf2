// The electron-builder configuration: valid against electron-builder's own
// schema, with the required targets, asar unpacking for native and wasm files,
// the native rebuild, and an afterPack hook that flips exactly the fuses of
// Electron's security checklist (checked with a stand-in @electron/fuses).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { afterEach, describe, expect, it } from 'vitest';
import { unpackedEsbuildBinary } from '../../electron/asar-esbuild.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'build', 'electron-builder.json'), 'utf8'));
// The minimatch electron-builder itself uses.
const minimatch = createRequire(require.resolve('app-builder-lib/package.json'))('minimatch') as {
  minimatch: (file: string, pattern: string, opts?: object) => boolean;
};
const unpacked = (file: string) => (config.asarUnpack as string[]).some((pattern) => minimatch.minimatch(file, pattern, { dot: true }));

describe('electron-builder.json', () => {
  it("passes electron-builder's own configuration schema", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('names the app and builds AppImage and deb, NSIS, and dmg', () => {
    expect(config.productName).toBe('Sequence Lab');
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
  });

  it('packs the app sources into asar and the entry point exists', () => {
    expect(config.asar).toBe(true);
    for (const entry of ['package.json', 'bin/**/*', 'core/**/*', 'electron/**/*', 'out/electron/**/*', 'renderer/dist/**/*'])
      expect(config.files).toContain(entry);
    expect(fs.existsSync(path.join(ROOT, config.extraMetadata.main))).toBe(true);
    expect(config.extraMetadata.main).toBe('electron/main-boot.mjs');
  });

  it.each([
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm',
    'node_modules/webgpu/dist/linux-x64/dawn.node',
    'node_modules/webgpu/dist/win32-x64/d3dcompiler_47.dll',
    'node_modules/@esbuild/linux-x64/bin/esbuild',
    'node_modules/@esbuild/win32-x64/esbuild.exe',
  ])('unpacks %s from the asar', (file) => {
    expect(unpacked(file)).toBe(true);
  });

  it('keeps the app code itself inside the asar (integrity-checked)', () => {
    for (const file of [
      'electron/main.ts',
      'core/app/lab-service.ts',
      'out/electron/preload.cjs',
      'renderer/dist/index.html',
      'package.json',
    ])
      expect(unpacked(file), file).toBe(false);
  });

  it('rebuilds native modules for Electron and runs the fuse hook after packing', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.afterPack).toBe('build/after-pack.cjs');
    expect(fs.existsSync(path.join(ROOT, config.afterPack))).toBe(true);
  });

  it('names the esbuild binary tsx needs when running from app.asar', () => {
    expect(unpackedEsbuildBinary('/opt/Sequence Lab/resources/app.asar', 'linux', 'x64')).toBe(
      '/opt/Sequence Lab/resources/app.asar.unpacked/node_modules/@esbuild/linux-x64/bin/esbuild',
    );
    expect(unpackedEsbuildBinary('C:\\Program Files\\Sequence Lab\\resources\\app.asar', 'win32', 'x64')).toBe(
      'C:\\Program Files\\Sequence Lab\\resources\\app.asar.unpacked\\node_modules\\@esbuild\\win32-x64\\esbuild.exe',
    );
    expect(unpackedEsbuildBinary(ROOT)).toBeNull();
  });
});

describe('after-pack.cjs', () => {
  const hookPath = path.join(ROOT, 'build', 'after-pack.cjs');
  const fusesPath = require.resolve('@electron/fuses', { paths: [path.dirname(hookPath)] });
  const calls: { file: string; config: Record<string, unknown> }[] = [];

  /** Loads the hook with @electron/fuses replaced in Node's module cache. */
  function loadHook(): (context: unknown) => Promise<void> {
    const real = require(fusesPath);
    const fake = { ...real, flipFuses: async (file: string, cfg: Record<string, unknown>) => (calls.push({ file, config: cfg }), 0) };
    delete require.cache[hookPath];
    require.cache[fusesPath] = { id: fusesPath, filename: fusesPath, loaded: true, exports: fake } as NodeJS.Module;
    return require(hookPath);
  }
  afterEach(() => {
    calls.length = 0;
    delete require.cache[fusesPath];
    delete require.cache[hookPath];
  });

  const context = (platform: string) => ({
    appOutDir: '/out/app',
    electronPlatformName: platform,
    arch: 1,
    packager: { appInfo: { productFilename: 'Sequence Lab' }, executableName: 'sequence-lab' },
  });
  const expected = (reset: boolean) => ({
    version: FuseVersion.V1,
    resetAdHocDarwinSignature: reset,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
  });

  it.each([
    ['linux', '/out/app/sequence-lab', false],
    ['win32', '/out/app/Sequence Lab.exe', false],
    ['darwin', '/out/app/Sequence Lab.app', true],
    ['mas', '/out/app/Sequence Lab.app', true],
  ])('%s: flips exactly the required fuses on %s', async (platform, file, reset) => {
    const hook = loadHook();
    await hook(context(platform));
    expect(calls).toEqual([{ file: path.normalize(file), config: expected(reset) }]);
    // Exactly six fuses: none left to Electron's default by omission, none extra.
    expect(Object.keys(calls[0]!.config).filter((k) => /^\d+$/.test(k))).toHaveLength(6);
  });

  it('exports the hook as module.exports and as default (electron-builder accepts either)', () => {
    const hook = loadHook() as unknown as { default: unknown };
    expect(hook.default).toBe(hook);
  });

  it('refuses an unknown platform instead of flipping fuses on a guessed path', async () => {
    await expect(loadHook()(context('freebsd'))).rejects.toThrow('unknown platform');
    expect(calls).toEqual([]);
  });
});
