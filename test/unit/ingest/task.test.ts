import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StageStats } from '../../../src/core/stats.js';
import { DEFAULT_SKIP_DIRS } from '../../../src/ingest/code.js';
import { DEFAULT_HTML_OPTIONS } from '../../../src/ingest/html.js';
import { planInputs } from '../../../src/ingest/plan.js';
import { runTask } from '../../../src/ingest/task.js';
import { tmpDir } from '../../helpers.js';

const code = { maxFileBytes: 1_000_000, skipDirs: DEFAULT_SKIP_DIRS, gitignore: true, extensions: {} };
const opts = {
  arxiv: { maxFileBytes: 1e7, minChars: 100, frontMatter: true },
  web: { textField: 'text', maxHtmlBytes: 1e7, maxLineBytes: 64 * 1024 * 1024, html: DEFAULT_HTML_OPTIONS },
};

describe('runTask', () => {
  it('reports a file that vanished or cannot be read with its path and reason, and goes on', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'ok.py'), 'print(1)\n');
    const stats = new StageStats();
    const units = [
      {
        kind: 'code' as const,
        path: join(dir, 'gone.py'),
        id: 'x/gone.py',
        rel: 'gone.py',
        repo: 'x',
        language: 'Python',
        size: 3,
      },
      { kind: 'web' as const, path: dir, id: 'x/dir.jsonl', format: 'jsonl' as const, size: 0 },
      {
        kind: 'code' as const,
        path: join(dir, 'ok.py'),
        id: 'x/ok.py',
        rel: 'ok.py',
        repo: 'x',
        language: 'Python',
        size: 9,
      },
    ];
    const gen = runTask({ units }, opts, stats);
    const batches = [];
    let r = await gen.next();
    while (!r.done) {
      batches.push(...r.value);
      r = await gen.next();
    }
    expect(batches.map((b) => b.docs)).toEqual([1]);
    expect(stats.data.errors.map((e) => [e.path, e.reason.split(':')[0]])).toEqual([
      [join(dir, 'gone.py'), 'ENOENT'],
      [dir, 'EISDIR'],
    ]);
    expect(r.value.map((i) => i.path)).toEqual([join(dir, 'ok.py')]);
  });
});

describe('planInputs', () => {
  it('never takes the output folder (or its temporary folder) as input', async () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'out'));
    mkdirSync(join(dir, 'out.tmp-123'));
    writeFileSync(join(dir, 'a.py'), 'x = 1\n');
    writeFileSync(join(dir, 'out/part-00000.jsonl'), '{"text":"x"}\n');
    writeFileSync(join(dir, 'out.tmp-123/part-00000.jsonl'), '{"text":"x"}\n');
    const units = await planInputs([dir], { source: 'auto', code, exclude: [join(dir, 'out')] }, new StageStats());
    expect(units.map((u) => u.path)).toEqual([join(dir, 'a.py')]);
  });
});
