// The layering rules are real: a forbidden import in core/ml fails lint,
// the same import outside core/ml passes, and the whole tree lints clean.
import fs from 'node:fs';
import path from 'node:path';
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
    expect(await ruleIds("import { app } from 'electron';\nexport const x = app;\n", 'core/services/bad-example.ts')).toContain('no-restricted-imports');
  });

  it('lets the renderer import only the contract from the core', async () => {
    expect(await ruleIds("import { History } from '../../core/storage/history.ts';\nexport const x = History;\n", 'renderer/src/lib/bad-example.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import fs from 'node:fs';\nexport const x = fs;\n", 'renderer/src/lib/bad-example.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n", 'renderer/src/lib/bad-example.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { labRequests } from '../../../core/contract/lab-contract.ts';\nexport const x = labRequests;\n", 'renderer/src/lib/ok-example.ts')).toEqual([]);
  });

  it('Svelte components import only the contract from the core (ESLint does not read .svelte files)', () => {
    const files = fs.readdirSync(path.join(ROOT, 'renderer/src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.svelte'));
    expect(files.length).toBeGreaterThan(5);
    const bad = files.flatMap((f) => {
      const text = fs.readFileSync(path.join(ROOT, 'renderer/src', f), 'utf8');
      return [...text.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!).filter((spec) => /(^|\/)core\/(?!contract\/)|^node:|^electron$|^@tensorflow\/|^better-sqlite3$/.test(spec)).map((spec) => `${f}: ${spec}`);
    });
    expect(bad).toEqual([]);
  });

  it('keeps TF.js and Node out of the contract', async () => {
    expect(await ruleIds("import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n", 'core/contract/bad-example.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { History } from '../storage/history.ts';\nexport const x = History;\n", 'core/contract/bad-example.ts')).toContain('no-restricted-imports');
  });

  it('allows ipcMain only in the typed IPC wrapper', async () => {
    const code = "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n";
    expect(await ruleIds(code, 'electron/window-example.ts')).toContain('no-restricted-imports');
    expect(await ruleIds(code, 'electron/ipc.ts')).toEqual([]);
  });

  it('the whole tree lints clean', async () => {
    const results = await eslint.lintFiles(['.']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId} ${m.message}`));
    expect(problems).toEqual([]);
  });
});
