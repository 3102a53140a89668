import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layers of ts/, top to bottom. A module may import its own folder, a folder of its own layer (as long as
// no cycle forms) or a lower layer; never a higher one. Every folder of ts/ must be placed here.
const LAYERS: string[][] = [
  ['(root)', 'cli'],
  ['experiments', 'tune', 'report', 'bench', 'doctor'],
  ['train', 'evaluate', 'predict'],
  ['pipeline'],
  ['native', 'data', 'metrics', 'runs', 'parallel', 'system', 'pretrained'],
  ['config'],
  ['util'],
];
const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

const tsRoot = path.resolve(__dirname, '../../../ts');
const walk = (d: string): string[] =>
  readdirSync(d).flatMap((n) => {
    const p = path.join(d, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.ts') ? [p] : [];
  });
const folderOf = (file: string) => {
  const rel = path.relative(tsRoot, file).split(path.sep);
  return rel.length === 1 ? '(root)' : rel[0];
};

/** Folder-level import edges of ts/: from → to → one example "file -> specifier". */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of walk(tsRoot)) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      if (!target.startsWith(tsRoot + path.sep)) continue;
      const from = folderOf(file);
      const to = folderOf(target);
      if (from === to) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      graph.get(from)!.set(to, `${path.relative(tsRoot, file)} -> ${m[1]}`);
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const next of graph.get(n)?.keys() ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const c = visit(next);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    const cycle = state.has(n) ? null : visit(n);
    if (cycle) return cycle;
  }
  return null;
}

describe('ts/ layers', () => {
  const graph = folderGraph();

  it('places every folder of ts/ in a layer', () => {
    const folders = readdirSync(tsRoot).filter((n) => statSync(path.join(tsRoot, n)).isDirectory());
    expect(folders.filter((f) => !rank.has(f))).toEqual([]);
  });

  it('has no folder-level import cycle', () => {
    expect(graph.size).toBeGreaterThan(10);
    expect(findCycle(graph)).toBeNull();
  });

  it('never imports a higher layer', () => {
    const upward: string[] = [];
    for (const [from, tos] of graph)
      for (const [to, example] of tos) if ((rank.get(to) ?? 0) < (rank.get(from) ?? 0)) upward.push(`${from} -> ${to} (${example})`);
    expect(upward).toEqual([]);
  });

  it('detects a cycle when one exists', () => {
    const g = new Map([
      ['a', new Map([['b', '']])],
      ['b', new Map([['c', '']])],
      ['c', new Map([['a', '']])],
    ]);
    expect(findCycle(g)).toEqual(['a', 'b', 'c', 'a']);
    // reached only from a later root
    g.set('x', new Map([['y', '']]));
    g.set('y', new Map([['x', '']]));
    g.get('c')!.delete('a');
    expect(findCycle(g)).toEqual(['x', 'y', 'x']);
  });
});
