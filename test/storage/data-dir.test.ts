// resolveDataDir precedence per OS, and ensureDataDir's errors.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDataDir, resolveDataDir } from '../../core/storage/data-dir.ts';
import { cleanupTempDirs, tempDir } from './helpers.ts';

afterEach(cleanupTempDirs);

describe('resolveDataDir', () => {
  it('prefers an explicit dataDir, then SEQLAB_HOME', () => {
    const env = { SEQLAB_HOME: '/env/seqlab', XDG_DATA_HOME: '/xdg' };
    expect(resolveDataDir({ dataDir: '/explicit', env, platform: 'linux', home: '/home/u' })).toBe('/explicit');
    expect(resolveDataDir({ env, platform: 'linux', home: '/home/u' })).toBe('/env/seqlab');
  });

  it('uses XDG_DATA_HOME or ~/.local/share on Linux', () => {
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, platform: 'linux', home: '/home/u' })).toBe('/xdg/seqlab');
    expect(resolveDataDir({ env: {}, platform: 'linux', home: '/home/u' })).toBe('/home/u/.local/share/seqlab');
    // A relative XDG_DATA_HOME is invalid per the spec and ignored.
    expect(resolveDataDir({ env: { XDG_DATA_HOME: 'rel' }, platform: 'linux', home: '/home/u' })).toBe('/home/u/.local/share/seqlab');
  });

  it('uses Application Support on macOS and APPDATA on Windows', () => {
    expect(resolveDataDir({ env: {}, platform: 'darwin', home: '/Users/u' })).toBe('/Users/u/Library/Application Support/seqlab');
    expect(resolveDataDir({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\u' })).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\seqlab',
    );
  });
});

describe('ensureDataDir', () => {
  it('creates nested folders', () => {
    const dir = path.join(tempDir(), 'a', 'b');
    expect(ensureDataDir(dir)).toBe(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  it('names the folder and the cause when it cannot be used', () => {
    const file = path.join(tempDir(), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const dir = path.join(file, 'seqlab');
    expect(() => ensureDataDir(dir)).toThrow(new RegExp(`cannot use data folder ${dir}: .*ENOTDIR`));
    expect(() => ensureDataDir(file)).toThrow(/not a folder/);
  });
});
