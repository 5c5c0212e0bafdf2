// Builds the fused CPU kernels (core/engine/native) into a Node-API addon with
// the system C++ compiler, when the sources, compiler flags or Node version
// changed. Optional by design: without a compiler or Node's headers it says
// why and training falls back to the stock TF.js kernels (slower, same
// results). Uses only Node's standard library: it runs from ensure-deps.mjs.
//   node scripts/build-native.mjs [--force] [--portable]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const srcDir = path.join(root, 'core/engine/native/src');
const outDir = path.join(root, 'core/engine/native/build');
export const NATIVE_ADDON = path.join(outDir, 'seqlab_kernels.node');
const stampFile = path.join(outDir, 'stamp');

/** Directories that may hold node_api.h for the running Node. */
function headerCandidates() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const gypCache = [
    path.join(os.homedir(), '.cache/node-gyp', process.versions.node),
    path.join(os.homedir(), '.node-gyp', process.versions.node),
  ];
  return [
    path.join(prefix, 'include/node'),
    '/usr/include/node',
    '/usr/local/include/node',
    ...gypCache.map((d) => path.join(d, 'include/node')),
  ];
}

function findHeaders() {
  return headerCandidates().find((d) => fs.existsSync(path.join(d, 'node_api.h')));
}

/**
 * Flag sets tried in order: tuned for this CPU first (the addon is built on
 * the machine that runs it), then portable. `--portable` (for a packaged app
 * that runs on other CPUs) skips the tuned set; on x86-64 Linux the GEMM
 * micro-kernel then still carries an AVX2 clone picked at load time, at about
 * half the tuned build's speed (docs/benchmarks.md).
 */
const TUNED = ['-O3', '-march=native'];
const PORTABLE = ['-O3'];

function sources() {
  return fs
    .readdirSync(srcDir)
    .filter((f) => /\.(cc|h)$/.test(f))
    .sort();
}

function stampOf(cxx, headers) {
  const h = createHash('sha256');
  h.update(`${process.versions.node} ${process.platform} ${process.arch} ${cxx} ${headers}\n`);
  for (const f of sources()) h.update(f).update(fs.readFileSync(path.join(srcDir, f)));
  return h.digest('hex');
}

/**
 * @returns {{ built: boolean, path?: string, reason?: string }}
 */
export function buildNative({ quiet = false, force = false, portable = false } = {}) {
  if (process.env.SEQLAB_NATIVE === '0') return { built: false, reason: 'SEQLAB_NATIVE=0' };
  const cxx = process.env.CXX || 'c++';
  const headers = findHeaders();
  if (!headers) {
    const reason = `Node's headers (node_api.h) were not found in ${headerCandidates().join(', ')}`;
    if (!quiet) process.stderr.write(`seqlab: fused CPU kernels not built: ${reason}; training uses the stock TF.js kernels.\n`);
    return { built: false, reason };
  }
  const flagSets = portable ? [PORTABLE] : [TUNED, PORTABLE];
  const stamp = stampOf(cxx, `${headers} ${flagSets[0].join(' ')}`);
  if (!force && fs.existsSync(NATIVE_ADDON) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp)
    return { built: true, path: NATIVE_ADDON };
  fs.mkdirSync(outDir, { recursive: true });
  const files = sources()
    .filter((f) => f.endsWith('.cc'))
    .map((f) => path.join(srcDir, f));
  const tmp = `${NATIVE_ADDON}.${process.pid}.tmp`;
  let last = '';
  for (const flags of flagSets) {
    if (!quiet) process.stderr.write(`seqlab: building the fused CPU kernels (${cxx} ${flags.join(' ')})...\n`);
    const r = spawnSync(
      cxx,
      [
        ...flags,
        '-std=c++17',
        '-shared',
        '-fPIC',
        '-fvisibility=hidden',
        '-pthread',
        '-Wall',
        '-Wextra',
        '-Wno-psabi',
        `-I${headers}`,
        ...files,
        '-o',
        tmp,
      ],
      { encoding: 'utf8' },
    );
    if (r.status === 0) {
      // The sources build without warnings under -Wall -Wextra; one that appears is worth reading (it found an aliasing bug once).
      if (!quiet && r.stderr.trim()) process.stderr.write(r.stderr);
      fs.renameSync(tmp, NATIVE_ADDON); // atomic: a concurrent loader never sees half a library
      fs.writeFileSync(stampFile, stamp);
      return { built: true, path: NATIVE_ADDON };
    }
    last = (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(0, 5).join('\n');
  }
  fs.rmSync(tmp, { force: true });
  const reason = `${cxx} failed: ${last}`;
  if (!quiet)
    process.stderr.write(
      `seqlab: fused CPU kernels not built (${reason}); training uses the stock TF.js kernels. Install a C++ compiler (Debian: apt-get install -y g++) for the fast path.\n`,
    );
  return { built: false, reason };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = buildNative({ force: process.argv.includes('--force'), portable: process.argv.includes('--portable') });
  process.stdout.write(r.built ? `built ${path.relative(root, r.path)}\n` : `not built: ${r.reason}\n`);
}
