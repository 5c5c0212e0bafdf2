// The Svelte components are type-checked like the rest: svelte-check reads
// every component body (tsc does not) under the renderer's strict tsconfig,
// and a warning (accessibility, unused CSS, state read outside a reaction)
// fails as an error does.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/cli.ts';

it('svelte-check passes over renderer/ with no error and no warning', () => {
  const bin = path.join(ROOT, 'node_modules/svelte-check/bin/svelte-check');
  const r = spawnSync(process.execPath, [bin, '--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'machine'], {
    cwd: path.join(ROOT, 'renderer'),
    encoding: 'utf8',
  });
  const problems = r.stdout.split('\n').filter((l) => / (ERROR|WARNING) /.test(l));
  expect(problems).toEqual([]);
  expect(r.stdout).toMatch(/COMPLETED \d+ FILES 0 ERRORS 0 WARNINGS/);
  expect(r.status).toBe(0);
});
