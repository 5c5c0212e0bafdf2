// The layering rules are real: a forbidden import in core/ml fails lint,
// the same import outside core/ml passes, and the whole tree lints clean.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.ts';

const eslint = new ESLint({ cwd: ROOT });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('import boundaries', () => {
  const forbidden: [string, string][] = [
    ["import fs from 'node:fs';", 'node:fs'],
    ["import { readFileSync } from 'fs';", 'fs'],
    ["import Database from 'better-sqlite3';", 'better-sqlite3'],
    ["import { app } from 'electron';", 'electron'],
    ["import { History } from '../../storage/history.ts';", 'storage'],
    ["import { openTokenFile } from '../../data/token-file.ts';", 'token file IO'],
    ["import { Worker } from 'node:worker_threads';", 'threads'],
  ];
  it.each(forbidden)('core/ml refuses %s (%s)', async (code) => {
    expect(await ruleIds(`${code}\nexport const x = 1;\n`, 'core/ml/models/bad-example.ts')).toContain('no-restricted-imports');
  });

  it('allows the same file IO outside core/ml', async () => {
    expect(await ruleIds("import fs from 'node:fs';\nexport const x = fs.existsSync('.');\n", 'core/data/ok-example.ts')).toEqual([]);
  });

  it('refuses electron anywhere in core', async () => {
    expect(await ruleIds("import { app } from 'electron';\nexport const x = app;\n", 'core/services/bad-example.ts')).toContain(
      'no-restricted-imports',
    );
  });

  it('lets the renderer import only the contract from the core', async () => {
    expect(
      await ruleIds(
        "import { History } from '../../core/storage/history.ts';\nexport const x = History;\n",
        'renderer/src/lib/bad-example.ts',
      ),
    ).toContain('no-restricted-imports');
    expect(await ruleIds("import fs from 'node:fs';\nexport const x = fs;\n", 'renderer/src/lib/bad-example.ts')).toContain(
      'no-restricted-imports',
    );
    expect(
      await ruleIds("import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n", 'renderer/src/lib/bad-example.ts'),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds(
        "import { labRequests } from '../../../core/contract/lab-contract.ts';\nexport const x = labRequests;\n",
        'renderer/src/lib/ok-example.ts',
      ),
    ).toEqual([]);
  });

  it('Svelte components import only the contract from the core (the same rule, read by eslint-plugin-svelte)', async () => {
    const component = (code: string) => `<script lang="ts">\n  ${code}\n  let n: number = $state(0);\n</script>\n\n<p>{n} {x}</p>\n`;
    const file = 'renderer/src/screens/BadExample.svelte';
    expect(await ruleIds(component("import { History } from '../../../core/storage/history.ts';\n  const x = History;"), file)).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds(component("import fs from 'node:fs';\n  const x = fs;"), file)).toContain('no-restricted-imports');
    expect(await ruleIds(component("import * as tf from '@tensorflow/tfjs';\n  const x = tf;"), file)).toContain('no-restricted-imports');
    expect(
      await ruleIds(component("import { labRequests } from '../../../core/contract/lab-contract.ts';\n  const x = labRequests;"), file),
    ).toEqual([]);
  });

  it('keeps TF.js and Node out of the contract', async () => {
    expect(await ruleIds("import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n", 'core/contract/bad-example.ts')).toContain(
      'no-restricted-imports',
    );
    expect(
      await ruleIds("import { History } from '../storage/history.ts';\nexport const x = History;\n", 'core/contract/bad-example.ts'),
    ).toContain('no-restricted-imports');
  });

  it('allows ipcMain only in the typed IPC wrapper', async () => {
    const code = "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n";
    expect(await ruleIds(code, 'electron/window-example.ts')).toContain('no-restricted-imports');
    expect(await ruleIds(code, 'electron/ipc.ts')).toEqual([]);
  });

  it('the whole tree lints clean', { timeout: 600_000 }, async () => {
    const results = await eslint.lintFiles(['.']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId} ${m.message}`));
    expect(problems).toEqual([]);
  });
});
