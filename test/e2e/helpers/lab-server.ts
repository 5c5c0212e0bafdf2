// Starts the real `seqlab serve --port 0 --json` in a child process against a
// temp data folder, and builds the renderer it serves.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface LabServer {
  url: string;
  openUrl: string;
  token: string;
  home: string;
  stop(): Promise<void>;
}

/** Runs scripts/build-renderer.mjs (a no-op when the build is current); throws with its output on failure. */
export function buildRenderer(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-renderer.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`renderer build failed:\n${r.stdout}\n${r.stderr}`);
}

/** `options.home`: a data folder prepared beforehand (a fixture history); removed on stop like a fresh one. */
export async function startLabServer(options: { home?: string } = {}): Promise<LabServer> {
  const home = options.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin/seqlab.mjs'), 'serve', '--port', '0', '--json'], {
    cwd: ROOT,
    env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const info = await new Promise<{ url: string; openUrl: string; token: string }>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`seqlab serve did not start in 60 s:\n${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; openUrl: string; token: string });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`seqlab serve exited with ${code}:\n${stderr}`));
    });
  });
  return {
    ...info,
    home,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Seeded English-like text (a few hundred distinct words), `bytes` long. */
export function corpusText(bytes: number, seed = 1): string {
  const words =
    'the a of and to in is was he she it that for on with as his her they at by this had from not but be are or have an one all were we when there can been has more if no out so what up said about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
      ' ',
    );
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  let out = '';
  while (out.length < bytes) {
    const n = 4 + Math.floor(rnd() * 10);
    const sentence = Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]!).join(' ');
    out += `${sentence[0]!.toUpperCase()}${sentence.slice(1)}.${rnd() < 0.2 ? '\n' : ' '}`;
  }
  return out.slice(0, bytes);
}
