// The renderer has its own TypeScript projects (DOM code and the Vite config):
// the root tsc run does not see them, so they are checked here.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/lab-server.ts';

it.each(['renderer/tsconfig.json', 'renderer/tsconfig.node.json'])('type-checks %s with tsc --noEmit (strict)', (project) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', project], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});
