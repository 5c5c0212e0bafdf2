// `npm start`: installs what is missing, then opens the app. The Electron
// desktop shell has not landed yet; until it does (and wherever its binary
// cannot be had) this says so and shows what exists: the system check and
// the command line.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureDeps } from './ensure-deps.mjs';

const root = path.resolve(import.meta.dirname, '..');
ensureDeps();
const seqlab = (args) => spawnSync(process.execPath, [path.join(root, 'bin', 'seqlab.mjs'), ...args], { cwd: root, stdio: 'inherit' });

console.log('Sequence Lab: the desktop app (Electron) is not part of this build yet, so here is the system check and the command line.\n');
const check = seqlab(['doctor']);
console.log('');
seqlab(['--help']);
console.log('\nFirst steps:  npx seqlab train            (LSTM on the built-in "brackets" corpus)');
console.log('              npx seqlab train --model tcn');
console.log('              npx seqlab runs');
process.exit(check.status ?? 1);
