// Where Sequence Lab keeps its history database and token files.
// Resolution is pure (inputs passed in) so it can be tested for every OS on any OS.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Folder name used inside the OS application-data folder. */
export const APP_FOLDER = 'seqlab';

/** Inputs of {@link resolveDataDir}; every field defaults to the live process. */
export interface DataDirOptions {
  /** Explicit folder (for example from `--data-dir`); wins over everything. */
  dataDir?: string;
  /** Environment; `SEQLAB_HOME`, `XDG_DATA_HOME` and `APPDATA` are read. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Home folder; defaults to `os.homedir()`. */
  home?: string;
}

/**
 * The data folder: explicit `dataDir` > `SEQLAB_HOME` > the OS application-data
 * folder (`$XDG_DATA_HOME/seqlab` or `~/.local/share/seqlab` on Linux and other
 * Unixes, `~/Library/Application Support/seqlab` on macOS, `%APPDATA%\seqlab`
 * on Windows). The result is absolute; nothing is created.
 */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  // Use the path flavour of the target platform so Windows paths resolve
  // correctly even when computed (in tests) on Linux, and vice versa.
  const p = platform === 'win32' ? path.win32 : path.posix;
  const nonEmpty = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

  if (nonEmpty(opts.dataDir)) return p.resolve(opts.dataDir);
  if (nonEmpty(env.SEQLAB_HOME)) return p.resolve(env.SEQLAB_HOME);

  const home = opts.home ?? os.homedir();
  if (platform === 'win32') {
    const appData = nonEmpty(env.APPDATA) ? env.APPDATA : p.join(home, 'AppData', 'Roaming');
    return p.resolve(appData, APP_FOLDER);
  }
  if (platform === 'darwin') {
    return p.resolve(home, 'Library', 'Application Support', APP_FOLDER);
  }
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  if (nonEmpty(xdg) && p.isAbsolute(xdg)) return p.resolve(xdg, APP_FOLDER);
  return p.resolve(home, '.local', 'share', APP_FOLDER);
}

/**
 * Creates `dir` (recursively) when missing and checks that it is a writable
 * folder. Throws an Error naming the folder and the cause otherwise.
 */
export function ensureDataDir(dir: string): string {
  try {
    // mkdir's EEXIST for a file in the way says less than this does.
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error('it exists but is not a folder');
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    // access() says yes to root even on a read-only mount, so probe with a
    // real file: the history needs to create -wal/-shm files here anyway.
    const probe = path.join(dir, `.write-test-${process.pid}-${Date.now()}`);
    try {
      fs.writeFileSync(probe, '');
    } catch (err) {
      // A full disk is still readable: the history opens read-only and says why.
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return dir;
      throw err;
    }
    fs.rmSync(probe, { force: true });
  } catch (err) {
    throw new Error(`cannot use data folder ${dir}: ${describeError(err)}`, { cause: err });
  }
  return dir;
}

/** `code: message` for Node system errors, the message otherwise. */
function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
