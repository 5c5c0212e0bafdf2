// Installs the npm dependencies when they are missing or stale, so `npm start`
// and `npm test` work as the first command on a fresh clone. Uses only Node's
// standard library (it runs before anything is installed). The Electron binary
// download is skipped: it comes from a host other than the npm registry.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildNative } from './build-native.mjs';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'node_modules', '.seqlab-deps-stamp');

function lockHash() {
  const lock = path.join(root, 'package-lock.json');
  const pkg = path.join(root, 'package.json');
  const h = createHash('sha256');
  for (const f of [pkg, lock]) if (fs.existsSync(f)) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

/** True when node_modules matches package-lock.json and the native SQLite module is built. */
function upToDate(hash) {
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== hash) return false;
  return fs.existsSync(path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
}

export function ensureDeps({ quiet = false } = {}) {
  installPackages({ quiet });
  buildNative({ quiet });
}

function installPackages({ quiet }) {
  const hash = lockHash();
  if (upToDate(hash)) return;
  if (!quiet) process.stderr.write('seqlab: installing dependencies (first run, or package-lock.json changed)...\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = fs.existsSync(path.join(root, 'package-lock.json'))
    ? ['ci', '--no-audit', '--no-fund']
    : ['install', '--no-audit', '--no-fund'];
  const r = spawnSync(npm, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
  if (r.status !== 0) {
    process.stderr.write(
      `seqlab: "npm ${args.join(' ')}" failed (exit ${r.status}). better-sqlite3 builds from source when no prebuilt binary can be downloaded: it needs python3, make and a C++ compiler (Debian: apt-get install -y python3 make g++).\n`,
    );
    process.exit(r.status ?? 1);
  }
  fs.writeFileSync(stamp, hash);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureDeps();
