// How `npm start` opens the lab: the Electron window when Electron's binary
// is installed and there is a display to show it on, browser mode otherwise.
// The checks take their inputs as parameters so tests can fake any machine.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

/** Browser mode's port; a free one is taken when it is busy. */
export const DEFAULT_PORT = 8123;

/**
 * Finds Electron's executable. The `electron` package returns the path of its
 * downloaded binary, and throws (or names a missing file) when the download
 * was skipped or failed.
 * @param {string} root project root
 * @param {{ requireElectron?: () => unknown, exists?: (file: string) => boolean }} [deps]
 * @returns {{ ok: true, path: string } | { ok: false, reason: string }}
 */
export function findElectronBinary(root, deps = {}) {
  const requireElectron = deps.requireElectron ?? (() => createRequire(path.join(root, 'package.json'))('electron'));
  const exists = deps.exists ?? ((file) => fs.existsSync(file));
  let found;
  try {
    found = requireElectron();
  } catch (e) {
    return { ok: false, reason: `the electron package has no binary (${String(e?.message ?? e).split('\n')[0]})` };
  }
  if (typeof found !== 'string' || found === '') return { ok: false, reason: 'the electron package did not name a binary' };
  if (!exists(found)) return { ok: false, reason: `the electron binary ${found} does not exist` };
  return { ok: true, path: found };
}

/**
 * True when a window can be shown: always on macOS and Windows; elsewhere
 * when an X11 (DISPLAY) or Wayland (WAYLAND_DISPLAY) display is set.
 * @param {{ platform?: string, env?: Record<string, string | undefined> }} [deps]
 */
export function hasDisplay(deps = {}) {
  const platform = deps.platform ?? process.platform;
  const env = deps.env ?? process.env;
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY?.trim() || env.WAYLAND_DISPLAY?.trim());
}

/**
 * Picks the mode. Browser mode comes with the reason, in words for the user.
 * @param {{ findBinary: () => { ok: true, path: string } | { ok: false, reason: string }, display: () => boolean }} checks
 * @returns {{ mode: 'electron', electronPath: string } | { mode: 'browser', reason: string, display: boolean }}
 */
export function chooseStartMode(checks) {
  const binary = checks.findBinary();
  const display = checks.display();
  if (binary.ok && display) return { mode: 'electron', electronPath: binary.path };
  const reasons = [];
  if (!binary.ok) reasons.push("Electron's binary is not installed (its download was skipped or failed)");
  if (!display) reasons.push('no display was found (neither DISPLAY nor WAYLAND_DISPLAY is set)');
  const reason = `${reasons.join(' and ')}, so Sequence Lab opens in browser mode.`;
  return { mode: 'browser', reason: reason[0].toUpperCase() + reason.slice(1), display };
}

/**
 * The preferred port when it is free on `host`, else 0 (any free port).
 * @param {number} [preferred]
 * @param {string} [host]
 * @returns {Promise<number>}
 */
export function pickPort(preferred = DEFAULT_PORT, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(0));
    probe.listen(preferred, host, () => probe.close(() => resolve(preferred)));
  });
}

/**
 * The command that opens `url` in the default browser.
 * @param {string} platform
 * @param {string} url
 * @returns {{ command: string, args: string[] }}
 */
export function browserOpenCommand(platform, url) {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // Not `cmd /c start`: cmd would parse the URL's characters; rundll32 takes it as is.
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
  return { command: 'xdg-open', args: [url] };
}
