// ARCHITECTURE.md's code map says what each folder "may import"; this test
// reads that column and checks it against the real imports of the code.
// A cell names folders (`core/ml`, or bare words like "services" for
// core/services), packages in backticks (`zod`), or "all of the above" (every
// row above it). An empty cell inherits the rule of the nearest enclosing row.
// A folder may always import itself; imports are matched by path prefix.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.ts';
import { importGraph, sourceFiles } from './helpers/import-graph.ts';

interface Row {
  /** Repository path of the row, e.g. core/ml/ or core/ml/engine/kernel-registry.ts. */
  path: string;
  /** The "may import" cell as written. */
  cell: string;
}

interface Rule {
  /** The row the rule was written on (the file's own area). */
  home: string;
  folders: string[];
  /** Packages the cell lists; undefined when it lists none (packages are then not checked). */
  packages: string[] | undefined;
}

/** The code-map rows: first cell's path in backticks, last cell's text. */
function codeMapRows(markdown: string): Row[] {
  const section = markdown.split(/^## Code map$/m)[1]!.split(/^## /m)[0]!;
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split(' | ');
      return { path: /`([^`]+)`/.exec(cells[0]!)![1]!, cell: cells.length > 2 ? cells[cells.length - 1]!.trim() : '' };
    });
}

const CORE_FOLDERS = fs.readdirSync(path.join(ROOT, 'core'));
const trimSlash = (p: string) => p.replace(/\/$/, '');

/** The folders and packages one cell names ("all of the above" expands to the rows before `index`). */
function parseCell(rows: Row[], index: number): Omit<Rule, 'home'> {
  const cell = rows[index]!.cell;
  const folders: string[] = [];
  const packages: string[] = [];
  if (/all of the above/.test(cell)) folders.push(...rows.slice(0, index).map((r) => trimSlash(r.path)));
  for (const [, quoted] of cell.matchAll(/`([^`]+)`/g)) {
    if (/^(core|electron|renderer|scripts|bin)\//.test(quoted!) || quoted === 'core') folders.push(trimSlash(quoted!));
    else if (/^(@[\w-]+\/)?\w[\w.-]*(\/[\w.-]+)*$/.test(quoted!) && !quoted!.startsWith('.')) packages.push(quoted!);
  }
  const plain = cell.replace(/`[^`]*`/g, ' ');
  for (const [p] of plain.matchAll(/\b(core|electron|renderer)\/[\w/.-]*\w/g)) folders.push(p);
  for (const [w] of plain.matchAll(/\b[a-z]+\b/g)) if (CORE_FOLDERS.includes(w!)) folders.push(`core/${w}`);
  return { folders, packages: packages.length > 0 ? packages : undefined };
}

/** The rule for every row: its own cell, or its nearest enclosing row's. */
function rules(rows: Row[]): Map<string, Rule> {
  const out = new Map<string, Rule>();
  rows.forEach((row, i) => {
    if (row.cell === '') return;
    const key = trimSlash(row.path);
    const parsed = parseCell(rows, i);
    // A second row for the same folder (e.g. "`core/worker/` (sweep trials)") adds to the first one's rule.
    const before = out.get(key);
    const packages = before?.packages || parsed.packages ? [...(before?.packages ?? []), ...(parsed.packages ?? [])] : undefined;
    out.set(key, { home: key, folders: [...(before?.folders ?? []), ...parsed.folders], packages });
  });
  for (const row of rows) {
    const key = trimSlash(row.path);
    if (out.has(key)) continue;
    const parent = [...out.keys()].filter((k) => key.startsWith(`${k}/`)).sort((a, b) => b.length - a.length)[0];
    if (parent) out.set(key, out.get(parent)!);
  }
  return out;
}

const under = (file: string, area: string) => file === area || file.startsWith(`${area}/`);
/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageName = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

describe("ARCHITECTURE.md's code map", () => {
  const rows = codeMapRows(fs.readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8'));
  const byArea = rules(rows);
  const { graph } = importGraph(ROOT, sourceFiles(ROOT, ['core', 'electron', 'renderer/src']));

  it('parses the table', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(byArea.get('core/contract')!.packages).toContain('zod');
    expect(byArea.get('core/ml/ops')!.home).toBe('core/ml');
  });

  it('every folder and file the map names exists', () => {
    expect(rows.map((r) => r.path).filter((p) => !fs.existsSync(path.join(ROOT, p)))).toEqual([]);
  });

  it('every import is one the "may import" column allows', () => {
    const bad: string[] = [];
    for (const [file, { relative, packages }] of graph) {
      const area = [...byArea.keys()].filter((k) => under(file, k)).sort((a, b) => b.length - a.length)[0];
      if (!area) continue;
      const rule = byArea.get(area)!;
      const allowed = [rule.home, ...rule.folders];
      for (const target of relative)
        if (!allowed.some((a) => under(target, a))) bad.push(`${file} → ${target} (not in the "may import" of ${rule.home})`);
      if (!rule.packages) continue;
      for (const spec of packages) {
        if (spec.startsWith('node:')) continue; // the lint rules decide about Node's modules
        if (!rule.packages.includes(packageName(spec)) && !rule.packages.includes(spec))
          bad.push(`${file} → package ${spec} (not in the "may import" of ${rule.home})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the check bites: an import the map does not allow is reported', () => {
    const rule = byArea.get('core/storage')!;
    expect([rule.home, ...rule.folders].some((a) => under('core/services/runs.ts', a))).toBe(false);
    expect(byArea.get('core/contract')!.packages).not.toContain('@tensorflow/tfjs');
  });
});
