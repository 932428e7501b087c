/**
 * The layers of ARCHITECTURE.md, checked on the imports of every file in src/: which folder may
 * import which, no circles, and where the file system, SQL and TensorFlow.js may be used.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import fg from 'fast-glob';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Folder of src/ → layer; a folder may import its own layer's folders only where `PEERS` says so. */
const LAYER: Record<string, number> = {
  core: 0,
  io: 1,
  kernels: 1,
  text: 2,
  ingest: 3,
  filter: 3,
  dedup: 3,
  tokenizer: 3,
  train: 3,
  report: 3,
  config: 4,
  pipeline: 5,
  cli: 6,
};

interface Import {
  /** A file of src/ (relative to it), or a package / node: module. */
  target: string;
  local: boolean;
  typeOnly: boolean;
}

function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/gm)) {
    const spec = m[2]!;
    const local = spec.startsWith('.');
    out.push({
      target: local ? relative('src', join(dirname(join('src', file)), spec)).replace(/\.js$/, '.ts') : spec,
      local,
      typeOnly: Boolean(m[1]),
    });
  }
  return out;
}

const files = fg.sync('**/*.ts', { cwd: join(ROOT, 'src') }).sort();
const sources = new Map(files.map((f) => [f, readFileSync(join(ROOT, 'src', f), 'utf8')]));
const graph = new Map(files.map((f) => [f, importsOf(f, sources.get(f)!)]));
const folder = (f: string): string => f.split('/')[0]!;

describe('the layers of ARCHITECTURE.md', () => {
  it('finds the source files and their imports, every local import naming a file that exists', () => {
    expect(files.length).toBeGreaterThan(100);
    const missing = [...graph].flatMap(([f, imps]) =>
      imps.filter((i) => i.local && !sources.has(i.target)).map((i) => `${f} → ${i.target}`),
    );
    expect(missing).toEqual([]);
  });

  it('every folder of src/ has a layer', () => {
    expect([...new Set(files.map(folder))].filter((d) => !(d in LAYER)).sort()).toEqual([]);
  });

  it('no file imports a higher layer or a stage beside it (stages import only types from config/)', () => {
    const wrong: string[] = [];
    for (const [f, imps] of graph) {
      for (const i of imps) {
        if (!i.local) continue;
        const [from, to] = [folder(f), folder(i.target)];
        if (from === to) continue;
        const [lf, lt] = [LAYER[from]!, LAYER[to]!];
        const upwardTypeFromConfig = to === 'config' && lf === 3 && i.typeOnly;
        if (lt > lf && !upwardTypeFromConfig) wrong.push(`${f} → ${i.target} (layer ${lf} imports layer ${lt})`);
        // stages are peers, as io and kernels are: what two of them share sits in a lower layer
        else if (lt === lf && lf >= 1 && lf <= 3) wrong.push(`${f} → ${i.target} (imports a peer)`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('kernels import only their assembler', () => {
    const wrong = [...graph]
      .filter(([f]) => folder(f) === 'kernels')
      .flatMap(([f, imps]) => imps.filter((i) => i.target !== 'kernels/assembler.ts').map((i) => `${f} → ${i.target}`));
    expect(wrong).toEqual([]);
  });

  it('no import circle, types included', () => {
    // Tarjan's strongly connected components over the file graph
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, index.size);
      low.set(v, index.get(v)!);
      stack.push(v);
      onStack.add(v);
      for (const { target: w, local } of graph.get(v)!) {
        if (!local || !graph.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) circles.push(scc.sort());
      }
    };
    for (const f of files) if (!index.has(f)) visit(f);
    expect(circles).toEqual([]);
  });

  it('the file system is used in io/ only', () => {
    const users = files.filter((f) => graph.get(f)!.some((i) => /^(node:)?fs(\/promises)?$/.test(i.target)));
    expect(users.filter((f) => folder(f) !== 'io')).toEqual([]);
    expect(users.length).toBeGreaterThan(5);
  });

  it('SQL lives in io/dedup-db.ts, the one importer of better-sqlite3', () => {
    const sql = files.filter(
      (f) =>
        f !== 'io/dedup-db.ts' &&
        /\.prepare\(|\.pragma\(|\b(SELECT|INSERT|DELETE|UPDATE)\s+\S+\s+(FROM|INTO|SET)\b/.test(sources.get(f)!),
    );
    expect(sql).toEqual([]);
    expect(files.filter((f) => graph.get(f)!.some((i) => i.target === 'better-sqlite3'))).toEqual(['io/dedup-db.ts']);
  });

  it('comments and messages cite documents that are in the repository (docs/DESIGN.md, not design notes kept elsewhere)', () => {
    const dangling = files.filter((f) => /HOUSE_STYLE|research\/|(?<!docs\/)DESIGN(\.md)? §/.test(sources.get(f)!));
    expect(dangling).toEqual([]);
    expect(readFileSync(join(ROOT, 'docs/DESIGN.md'), 'utf8')).toMatch(/^## 5\. Model$/m);
  });

  it('TensorFlow.js is imported in train/ only', () => {
    // static imports, and dynamic ones (the optional native backends) by their package name
    expect(
      files.filter(
        (f) =>
          folder(f) !== 'train' &&
          (graph.get(f)!.some((i) => i.target.startsWith('@tensorflow/')) || sources.get(f)!.includes("'@tensorflow/")),
      ),
    ).toEqual([]);
    expect(files.filter((f) => graph.get(f)!.some((i) => i.target.startsWith('@tensorflow/'))).length).toBeGreaterThan(
      0,
    );
  });
});

/**
 * Functions longer than `max` lines in a source text, as `name:line`, unless the comment just before
 * one says why ("Over 80 lines: …"). Nested functions count on their own.
 */
function longFunctions(file: string, text: string, max = 80): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const comments = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
      const why = comments.some((c) => /Over 80 lines: \S/.test(text.slice(c.pos, c.end)));
      if (last - first + 1 > max && !why) out.push(`${file}:${first + 1} ${node.name?.getText(sf) ?? '(a function)'}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('sizes a reader can hold (ARCHITECTURE.md)', () => {
  it('no file of src/ over 400 lines', () => {
    expect(files.filter((f) => sources.get(f)!.split('\n').length > 401)).toEqual([]);
  });

  it('no function over 80 lines unless a comment before it says why', () => {
    expect(files.flatMap((f) => longFunctions(f, sources.get(f)!))).toEqual([]);
  });

  it('the function check finds a long function and accepts one whose comment says why', () => {
    const long = (comment: string): string =>
      `${comment}export function f(): number {\n${'  let x = 1;\n'.repeat(80)}  return 1;\n}\n`;
    expect(longFunctions('a.ts', long(''))).toEqual(['a.ts:1 f']);
    expect(longFunctions('a.ts', long('/** Over 80 lines: a listing read top to bottom. */\n'))).toEqual([]);
    expect(longFunctions('a.ts', `function g() {\n  return 1;\n}\n`)).toEqual([]);
    // a closure inside a short-enough outer function is measured too
    expect(longFunctions('a.ts', `const o = { keep() {\n${'  1;\n'.repeat(81)}} };\n`)).toEqual(['a.ts:1 keep']);
  });
});
