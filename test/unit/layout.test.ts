import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Each source module (tests aside) and the project modules it imports, type-only ones included. */
function importGraph(): Map<string, string[]> {
  const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter((file) => !file.startsWith('test/') && existsSync(path.join(ROOT, file)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    const imports: string[] = [];
    for (const [, specifier] of source.matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
      const target = path.join(path.dirname(file), specifier);
      if (existsSync(path.join(ROOT, `${target}.ts`))) imports.push(`${target}.ts`);
      else if (existsSync(path.join(ROOT, target, 'index.ts'))) imports.push(path.join(target, 'index.ts'));
    }
    graph.set(file, imports);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('the project layout', () => {
  const graph = importGraph();

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    // Prepare
    const looped = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts']],
    ]);

    // Act
    const found = cycles(looped);

    // Assess
    expect(found).toEqual(['a.ts -> b.ts -> a.ts']);
  });

  it('keeps its layers: handlers import no CDK, tool or CLI code, and only CLIs import CLIs', () => {
    // Prepare
    const crossings: string[] = [];

    // Act
    for (const [file, imports] of graph) {
      for (const target of imports) {
        const handlerReachesOut = file.startsWith('lambda/') && !target.startsWith('lambda/');
        const intoCli = target.startsWith('bin/') && !file.startsWith('bin/');
        if (handlerReachesOut || intoCli) crossings.push(`${file} -> ${target}`);
      }
    }

    // Assess
    expect(crossings).toEqual([]);
  });
});
