// `npm start`: installs what is missing, prints the system check, builds the
// app, then opens it: the Electron window when Electron's binary and a display
// exist, browser mode (`seqlab serve` plus a browser tab) otherwise.
// Node's standard library only; anything installed is imported after ensureDeps.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ensureDeps } from './ensure-deps.mjs';
import { browserOpenCommand, chooseStartMode, findElectronBinary, hasDisplay, pickPort } from './start-mode.mjs';

const root = path.resolve(import.meta.dirname, '..');
ensureDeps();
const runNode = (script, args = []) => spawnSync(process.execPath, [path.join(root, script), ...args], { cwd: root, stdio: 'inherit' });

const check = runNode('bin/seqlab.mjs', ['doctor']);
if (check.status !== 0) console.log('(the system check reported a problem; starting anyway)');
console.log('');

const buildRenderer = path.join('scripts', 'build-renderer.mjs');
if (!fs.existsSync(path.join(root, buildRenderer))) {
  console.error(`seqlab: ${buildRenderer} is missing, so the app cannot be built.`);
  process.exit(1);
}
const built = runNode(buildRenderer);
if (built.status !== 0) {
  console.error('seqlab: could not build the app (renderer/): see the messages above.');
  process.exit(built.status ?? 1);
}

const mode = chooseStartMode({ findBinary: () => findElectronBinary(root), display: () => hasDisplay() });

/** Runs `child` to its end; Ctrl-C reaches it from the terminal (same process group), so this process only waits. */
function waitFor(child) {
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (e) => {
    console.error(`seqlab: could not start ${child.spawnfile}: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (mode.mode === 'electron') {
  const { buildPreload } = await import('./build-electron.mjs');
  await buildPreload();
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make Electron a plain Node.js
  console.log('Opening Sequence Lab (Electron)... Ctrl-C or closing the window stops it; running training checkpoints first.');
  waitFor(spawn(mode.electronPath, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env }));
} else {
  console.log(mode.reason);
  const port = await pickPort();
  const serve = spawn(process.execPath, [path.join(root, 'bin', 'seqlab.mjs'), '--json', 'serve', '--port', String(port)], {
    cwd: root,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  waitFor(serve);
  // `serve --json` prints one line with the URL; everything else passes through.
  readline.createInterface({ input: serve.stdout }).on('line', (line) => {
    let info;
    try {
      info = JSON.parse(line);
    } catch {
      info = undefined;
    }
    if (typeof info?.openUrl !== 'string') {
      console.log(line);
      return;
    }
    console.log(`Sequence Lab is at ${info.openUrl}`);
    console.log('(Ctrl-C to stop; running training stops after a checkpoint)');
    if (!mode.display) return;
    const { command, args } = browserOpenCommand(process.platform, info.openUrl);
    const opener = spawn(command, args, { stdio: 'ignore', detached: true });
    opener.on('error', () => console.log('(could not open a browser: open the URL above yourself)'));
    opener.unref();
  });
}
