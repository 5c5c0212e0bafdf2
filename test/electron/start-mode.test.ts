// `npm start` picks the Electron window only with Electron's binary and a
// display; otherwise browser mode, saying why in words.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserOpenCommand, chooseStartMode, DEFAULT_PORT, findElectronBinary, hasDisplay, pickPort } from '../../scripts/start-mode.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const noBinary = () => ({ ok: false as const, reason: 'skipped' });
const binary = () => ({ ok: true as const, path: '/x/electron' });

describe('findElectronBinary', () => {
  it('reports no binary when the electron package throws (download skipped)', () => {
    const r = findElectronBinary(ROOT, {
      requireElectron: () => {
        throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');
      },
    });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('failed to install') });
  });

  it('reports no binary when the named file is missing, or nothing is named', () => {
    expect(findElectronBinary(ROOT, { requireElectron: () => '/nowhere/electron', exists: () => false })).toEqual({
      ok: false,
      reason: expect.stringContaining('/nowhere/electron'),
    });
    expect(findElectronBinary(ROOT, { requireElectron: () => ({}) }).ok).toBe(false);
  });

  it('finds a binary that exists', () => {
    expect(findElectronBinary(ROOT, { requireElectron: () => '/x/electron', exists: (f) => f === '/x/electron' })).toEqual({
      ok: true,
      path: '/x/electron',
    });
  });

  it("agrees with this checkout's electron package (no binary unless its download ran)", () => {
    const pkg = path.join(ROOT, 'node_modules', 'electron');
    const pathTxt = path.join(pkg, 'path.txt');
    const installed = fs.existsSync(pathTxt) && fs.existsSync(path.join(pkg, 'dist', fs.readFileSync(pathTxt, 'utf8')));
    expect(findElectronBinary(ROOT).ok).toBe(installed || Boolean(process.env.ELECTRON_OVERRIDE_DIST_PATH));
  });
});

describe('hasDisplay', () => {
  it.each([
    ['linux', {}, false],
    ['linux', { DISPLAY: ':0' }, true],
    ['linux', { WAYLAND_DISPLAY: 'wayland-0' }, true],
    ['linux', { DISPLAY: '  ' }, false],
    ['freebsd', { DISPLAY: ':1' }, true],
    ['darwin', {}, true],
    ['win32', {}, true],
  ] as const)('%s with %j: %s', (platform, env, expected) => {
    expect(hasDisplay({ platform, env })).toBe(expected);
  });
});

describe('chooseStartMode', () => {
  it('opens Electron with a binary and a display', () => {
    expect(chooseStartMode({ findBinary: binary, display: () => true })).toEqual({ mode: 'electron', electronPath: '/x/electron' });
  });

  it('falls back to browser mode without the binary, and says so', () => {
    const m = chooseStartMode({ findBinary: noBinary, display: () => true });
    expect(m).toMatchObject({ mode: 'browser', display: true });
    expect(m.mode === 'browser' && m.reason).toBe(
      "Electron's binary is not installed (its download was skipped or failed), so Sequence Lab opens in browser mode.",
    );
  });

  it('falls back to browser mode without a display, and says so', () => {
    const m = chooseStartMode({ findBinary: binary, display: () => false });
    expect(m).toMatchObject({ mode: 'browser', display: false });
    expect(m.mode === 'browser' && m.reason).toBe(
      'No display was found (neither DISPLAY nor WAYLAND_DISPLAY is set), so Sequence Lab opens in browser mode.',
    );
  });

  it('names both reasons when both are missing', () => {
    const m = chooseStartMode({ findBinary: noBinary, display: () => false });
    expect(m.mode === 'browser' && m.reason).toMatch(/binary is not installed .* and no display was found/);
  });
});

describe('browser mode helpers', () => {
  it('uses port 8123 when free and any free port (0) when it is taken', async () => {
    expect(DEFAULT_PORT).toBe(8123);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const busy = (server.address() as net.AddressInfo).port;
    expect(await pickPort(busy)).toBe(0);
    await new Promise<void>((r) => server.close(() => r()));
    expect(await pickPort(busy)).toBe(busy);
  });

  it.each([
    ['linux', 'xdg-open'],
    ['darwin', 'open'],
    ['win32', 'rundll32'],
  ])('opens the browser on %s with %s, the URL as one argument', (platform, command) => {
    const url = 'http://127.0.0.1:8123/?token=abc';
    const c = browserOpenCommand(platform, url);
    expect(c.command).toBe(command);
    expect(c.args.at(-1)).toBe(url);
  });
});
