// tsx compiles the TypeScript sources with esbuild, whose native binary cannot
// be spawned from inside app.asar. The packaged app unpacks it (asarUnpack in
// build/electron-builder.json); this names the unpacked copy for esbuild.
import path from 'node:path';

/**
 * The unpacked esbuild binary for an app running from `<resources>/app.asar`,
 * or null when `appDir` is not inside an archive (running from source).
 * @param {string} appDir the app's root folder (the one holding package.json)
 * @param {string} [platform]
 * @param {string} [arch]
 * @returns {string | null}
 */
export function unpackedEsbuildBinary(appDir, platform = process.platform, arch = process.arch) {
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (p.basename(appDir) !== 'app.asar') return null;
  const pkg = p.join(p.dirname(appDir), 'app.asar.unpacked', 'node_modules', '@esbuild', `${platform}-${arch}`);
  return platform === 'win32' ? p.join(pkg, 'esbuild.exe') : p.join(pkg, 'bin', 'esbuild');
}
