// Runs the real `seqlab` executable in a child process against a temp data folder.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/seqlab.mjs');

export function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-cli-'));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function seqlab(home: string, args: string[]): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** JSON lines of stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{') || l.startsWith('['))
    .map((l) => JSON.parse(l));
}

/** Starts seqlab in the background; resolves `killed` once `until(line)` matches a stdout line and the process was SIGKILLed. */
export function spawnAndKill(home: string, args: string[], until: (line: string) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1' } });
    const lines: string[] = [];
    let buf = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (!killed && until(line)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('close', () => (killed ? resolve(lines) : reject(new Error(`process ended before the kill point:\n${lines.join('\n')}`))));
  });
}
