// Builds the Svelte renderer (renderer/ -> renderer/dist) with Vite's build().
// Skips when the build is newer than every source it depends on; builds into
// a scratch folder first so a failed build never leaves a half-written dist.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const rendererDir = path.join(root, 'renderer');
const distDir = path.join(rendererDir, 'dist');
const scratchDir = path.join(root, 'node_modules', '.cache', 'seqlab-renderer-build');

/** Newest mtime (ms) of the files under `dir`, skipping folders named in `skip`. */
function newestIn(dir, skip) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(full)) newest = Math.max(newest, newestIn(full, skip));
    } else if (entry.isFile()) {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

/** The contract and the files it imports (relative .ts imports, followed recursively). */
function contractFiles(file, seen = new Set()) {
  if (seen.has(file) || !fs.existsSync(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/from\s+'(\.{1,2}\/[^']+\.ts)'/g)) contractFiles(path.resolve(path.dirname(file), m[1]), seen);
  return seen;
}

function isUpToDate() {
  const index = path.join(distDir, 'index.html');
  if (!fs.existsSync(index)) return false;
  const built = fs.statSync(index).mtimeMs;
  const skip = new Set([distDir, path.join(rendererDir, 'node_modules')]);
  let newest = Math.max(
    newestIn(rendererDir, skip),
    newestIn(path.join(root, 'core', 'contract'), new Set()),
    fs.statSync(import.meta.filename).mtimeMs,
  );
  for (const f of contractFiles(path.join(root, 'core', 'contract', 'lab-contract.ts'))) newest = Math.max(newest, fs.statSync(f).mtimeMs);
  return built > newest;
}

async function build() {
  const { build: viteBuild } = await import('vite');
  fs.rmSync(scratchDir, { recursive: true, force: true });
  await viteBuild({
    configFile: path.join(rendererDir, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: scratchDir, emptyOutDir: true },
  });
  if (!fs.existsSync(path.join(scratchDir, 'index.html'))) throw new Error('vite build wrote no index.html');
  // Swap the finished build in; rename is atomic per folder on one file system.
  const old = `${distDir}.old-${process.pid}`;
  if (fs.existsSync(distDir)) fs.renameSync(distDir, old);
  try {
    fs.renameSync(scratchDir, distDir);
  } catch (e) {
    if (e.code !== 'EXDEV') throw e;
    fs.cpSync(scratchDir, distDir, { recursive: true });
    fs.rmSync(scratchDir, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
}

const force = process.argv.includes('--force');
if (!force && isUpToDate()) {
  console.log('renderer: up to date (renderer/dist)');
} else {
  try {
    const t0 = performance.now();
    await build();
    console.log(`renderer: built renderer/dist in ${Math.round(performance.now() - t0)} ms`);
  } catch (e) {
    console.error(`renderer: build failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  }
}
