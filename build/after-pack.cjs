// electron-builder afterPack hook: flips Electron's fuses in the packed
// binary (before signing) so the shipped app cannot be run as plain Node,
// cannot take NODE_OPTIONS or --inspect, and loads only its checked app.asar.
// electron-builder 25 has no fuse option of its own.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder loads hooks with require() */
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');
/* eslint-enable @typescript-eslint/no-require-imports */

/** The fuses of the shipped app (Electron's security checklist). */
function fuseConfig(resetAdHocDarwinSignature) {
  return {
    version: FuseVersion.V1,
    resetAdHocDarwinSignature,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
  };
}

/**
 * The packed Electron executable, named as electron-builder names it
 * (app-builder-lib's ElectronFramework: beforeCopyExtraFiles).
 * @param {{ appOutDir: string, electronPlatformName: string, packager: { appInfo: { productFilename: string }, executableName?: string } }} context
 */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${name}.app`);
    case 'win32':
      return path.join(appOutDir, `${name}.exe`);
    case 'linux':
      return path.join(appOutDir, packager.executableName);
    default:
      throw new Error(`after-pack: unknown platform ${electronPlatformName}`);
  }
}

/** The hook electron-builder calls after packing each platform and arch. */
async function afterPack(context) {
  const isMac = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  // Flipping fuses breaks the ad-hoc signature macOS (arm64) requires; electron-builder signs after this hook.
  await flipFuses(electronBinaryPath(context), fuseConfig(isMac));
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinaryPath = electronBinaryPath;
