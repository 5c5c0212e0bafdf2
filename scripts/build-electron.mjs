// Bundles the desktop window's preload (electron/preload.ts) into one
// CommonJS file, out/electron/preload.cjs: a sandboxed preload cannot load
// other files or ES modules. Only `electron` stays external.
//   node scripts/build-electron.mjs [--outdir DIR]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');

/**
 * Builds the preload bundle.
 * @param {{ outdir?: string }} [opts] output folder (default out/electron)
 * @returns {Promise<string>} the bundle's path
 */
export async function buildPreload({ outdir = path.join(root, 'out', 'electron') } = {}) {
  const outfile = path.join(outdir, 'preload.cjs');
  await build({
    entryPoints: [path.join(root, 'electron', 'preload.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // Electron 41's Chromium; keeps syntax as written.
    target: 'chrome140',
    external: ['electron'],
    sourcemap: false,
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--outdir');
  const outdir = i > 0 ? path.resolve(process.argv[i + 1] ?? '') : undefined;
  const file = await buildPreload(outdir ? { outdir } : {});
  console.log(`preload bundled: ${path.relative(process.cwd(), file) || file}`);
}
