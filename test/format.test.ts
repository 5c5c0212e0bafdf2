// Every source file is formatted by Prettier (with its Svelte plugin, width
// 140; .prettierrc.json): `npm run format` writes, this checks. The folders
// are the ones package.json's "format:check" script names.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/cli.ts';

it('prettier --check passes over the source folders', { timeout: 600_000 }, () => {
  const script: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts['format:check'];
  const [command, ...args] = script.split(/\s+/);
  expect(command).toBe('prettier');
  expect(args).toContain('--check');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/prettier/bin/prettier.cjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  // Prettier lists each unformatted file on stderr as "[warn] path".
  const unformatted = r.stderr.split('\n').filter((l) => l.startsWith('[warn] ') && !/Code style issues/.test(l));
  expect(unformatted).toEqual([]);
  expect(r.status).toBe(0);
});
