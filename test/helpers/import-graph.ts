// The project's real import graph, read from the source: every import,
// export-from and dynamic import() of the .ts/.mts/.mjs files and of the
// <script> blocks of .svelte files, with relative specifiers resolved to files.
// Used by the no-cycle test and by the check of ARCHITECTURE.md's "may import".
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SOURCE = /\.(ts|mts|mjs|svelte)$/;

/** One file's outgoing edges: `relative` are repository paths (forward slashes), `packages` bare specifiers. */
export interface FileImports {
  relative: string[];
  packages: string[];
}

/** Source files under `dirs` (repository-relative, forward slashes), skipping build output and .d.ts. */
export function sourceFiles(root: string, dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .map((f) => path.posix.join(dir, f.split(path.sep).join('/')))
      .filter((f) => SOURCE.test(f) && !/\.d\.m?ts$/.test(f) && !/(^|\/)(node_modules|dist|build)\//.test(f)),
  );
}

/** The code TypeScript should read: a .svelte file's <script> blocks, any other file whole. */
function scriptText(file: string, text: string): string {
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/** `./x.ts` from `dir/a.ts` → `dir/x.ts`; extensionless specifiers try the usual suffixes. */
function resolveRelative(root: string, from: string, spec: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}.mjs`, `${base}/index.ts`]) {
    if (fs.existsSync(path.join(root, candidate)) && fs.statSync(path.join(root, candidate)).isFile()) return candidate;
  }
  return undefined;
}

/** Every file's imports. A relative specifier that resolves to no file is reported under `unresolved`. */
export function importGraph(root: string, files: string[]): { graph: Map<string, FileImports>; unresolved: string[] } {
  const graph = new Map<string, FileImports>();
  const unresolved: string[] = [];
  for (const file of files) {
    const text = scriptText(file, fs.readFileSync(path.join(root, file), 'utf8'));
    const info = ts.preProcessFile(text, true, true);
    const relative: string[] = [];
    const packages: string[] = [];
    for (const { fileName: spec } of info.importedFiles) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(root, file, spec);
        if (target) relative.push(target);
        else unresolved.push(`${file}: ${spec}`);
      } else packages.push(spec);
    }
    graph.set(file, { relative: [...new Set(relative)], packages: [...new Set(packages)] });
  }
  return { graph, unresolved };
}

/**
 * The strongly connected components with more than one node (Tarjan), each
 * sorted, as cycles: `nodes` → its successors.
 */
export function cycles(nodes: Iterable<string>, successors: (node: string) => Iterable<string>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of successors(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || [...successors(v)].includes(v)) found.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found;
}

/** The graph collapsed onto folders: `folderOf(file)` names a file's folder, or undefined to leave it out. */
export function folderEdges(graph: Map<string, FileImports>, folderOf: (file: string) => string | undefined): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [file, { relative }] of graph) {
    const from = folderOf(file);
    if (from === undefined) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    for (const target of relative) {
      const to = folderOf(target);
      if (to !== undefined && to !== from) edges.get(from)!.add(to);
    }
  }
  return edges;
}
