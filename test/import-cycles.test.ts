// No loops in the import graph, read from the real imports (type-only ones
// too: a type is a dependency of the design): none between files, none
// between the folders of core/, none between the folders inside core/ml (a
// file directly in core/ml counts as its own node). So every layer imports
// only layers below it.
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.ts';
import { cycles, folderEdges, importGraph, sourceFiles, type FileImports } from './helpers/import-graph.ts';

/**
 * The folder cycles, each with the file imports that make it (so a failure
 * says which import to move): ["folders: a, b", "a/x.ts → b/y.ts", ...].
 */
function folderCycles(graph: Map<string, FileImports>, folderOf: (file: string) => string | undefined): string[][] {
  const edges = folderEdges(graph, folderOf);
  return cycles(edges.keys(), (f) => edges.get(f) ?? []).map((members) => [
    `folders: ${members.join(', ')}`,
    ...[...graph].flatMap(([file, { relative }]) => {
      const from = folderOf(file);
      return members.includes(from!)
        ? relative.filter((t) => members.includes(folderOf(t)!) && folderOf(t) !== from).map((t) => `${file} → ${t}`)
        : [];
    }),
  ]);
}

describe('the import graph', () => {
  const files = sourceFiles(ROOT, ['core', 'electron', 'renderer/src']);
  const { graph, unresolved } = importGraph(ROOT, files);

  it('reads every file and resolves every relative import', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files.some((f) => f.endsWith('.svelte'))).toBe(true);
    expect(unresolved).toEqual([]);
  });

  it('has no cycle between files', () => {
    expect(cycles(graph.keys(), (f) => graph.get(f)?.relative ?? [])).toEqual([]);
  });

  it('has no cycle between the folders of core/', () => {
    const coreFolder = (f: string) => (f.startsWith('core/') ? f.split('/')[1] : undefined);
    expect(folderEdges(graph, coreFolder).get('app')?.has('services')).toBe(true); // the graph is real: the app layer sits on the services
    expect(folderCycles(graph, coreFolder)).toEqual([]);
  });

  it('has no cycle between the folders inside core/ml', () => {
    const mlFolder = (f: string) => {
      if (!f.startsWith('core/ml/')) return undefined;
      const parts = f.split('/');
      return parts.length > 3 ? parts[2] : f;
    };
    expect(folderEdges(graph, mlFolder).get('train')?.has('models')).toBe(true);
    expect(folderCycles(graph, mlFolder)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const toy = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(toy.keys(), (n) => toy.get(n) ?? [])).toEqual([['a', 'b', 'c']]);
  });
});
