// The house rules, checked on the sources: data flows one way, so no import runs up the layers and
// no import cycle exists; src/testing/ (simulators) is reached only from the command-line tools.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The compiled test runs from dist/test/unit/; the sources are read, not the compiled output.
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');

/**
 * The rooms from the bottom up. A file may import its own room or any room on a lower line; two
 * rooms on one line know nothing of each other. Files directly in src/ (except main.ts) are the
 * small shared utilities at the bottom.
 */
const LAYERS: string[][] = [
  ['(utils)'],
  ['lorawan'],
  ['clock'],
  ['radio'],
  ['codecs'],
  ['devices'],
  ['outbox'],
  ['downlink'],
  ['mqtt'],
  ['hub'],
  ['pipeline'],
  ['edge'],
  ['fleet'],
  ['config'],
  ['ops'],
  ['app'],
  ['testing'],
  ['tools'],
  ['main.ts'],
];

/** Only these rooms may use the simulators: the demo and `lora-edge simulate` ship them on purpose. */
const MAY_IMPORT_TESTING = new Set(['testing', 'tools']);

function roomOf(file: string): string {
  const parts = file.split('/');
  if (parts.length > 1) return parts[0];
  return file === 'main.ts' ? 'main.ts' : '(utils)';
}

function layerOf(room: string): number {
  const i = LAYERS.findIndex((l) => l.includes(room));
  if (i < 0) throw new Error(`room ${room} is not in the layer table of this test: add it`);
  return i;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// Static imports and re-exports (type-only ones too: a type is knowledge) and dynamic import().
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** file (relative to src/, with /) -> the files it imports (relative to src/). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const abs of sourceFiles(SRC)) {
    const file = relative(SRC, abs).split(sep).join('/');
    const text = readFileSync(abs, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, normalize(join(dirname(abs), spec)))
        .split(sep)
        .join('/')
        .replace(/\.js$/, '.ts');
      targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

const graph = importGraph();

test('the import scan sees the sources (a broken scan would pass everything)', () => {
  assert.ok(graph.size > 100, `${graph.size} files`);
  assert.ok(graph.get('main.ts')?.some((t) => t.startsWith('tools/')), 'main.ts imports the tools');
  for (const [file, targets] of graph) for (const t of targets) assert.ok(graph.has(t), `${file} imports ${t}, which does not exist`);
});

test('no import runs up the layers', () => {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const from = roomOf(file);
    for (const t of targets) {
      const to = roomOf(t);
      if (to === from) continue;
      if (layerOf(to) >= layerOf(from)) upward.push(`${file} -> ${t}`);
    }
  }
  assert.equal(upward, [], `imports against the layer order:\n  ${upward.join('\n  ')}`);
});

test('src/testing/ is imported only by the simulators themselves and the command-line tools', () => {
  const wrong = [...graph].flatMap(([file, targets]) =>
    targets.filter((t) => roomOf(t) === 'testing' && !MAY_IMPORT_TESTING.has(roomOf(file))).map((t) => `${file} -> ${t}`),
  );
  assert.equal(wrong, []);
});

test('no import cycles', () => {
  // Depth-first search; a back edge to a file on the current path closes a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const t of graph.get(file) ?? []) {
      if (state.get(t) === 'open') cycles.push([...path.slice(path.indexOf(t)), t].join(' -> '));
      else if (!state.has(t)) visit(t);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  assert.equal(cycles, [], `import cycles:\n  ${cycles.join('\n  ')}`);
});

test.run();
