import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach } from 'vitest';
import type { Doc } from '../src/core/doc.js';
import { readDocs } from '../src/io/jsonl.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const FIXTURES = join(ROOT, 'fixtures');

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test. */
export function tmpDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'moe-test-'));
  dirs.push(d);
  return d;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`bin/moe`) as a user would. */
export function moe(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/moe'), ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export async function docsOf(dir: string): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const d of readDocs(dir)) out.push(d);
  return out;
}

/**
 * Shards of the clean paragraphs of fixtures/quality (one document each) with a tokenizer of
 * `vocab` ids trained on them: `dir/docs`, `dir/<name>.json`, `dir/<name>/`. Returns the shards folder.
 */
export function paragraphShards(dir: string, vocab: number, name = 'shards'): string {
  const docs = join(dir, 'docs');
  if (!existsSync(docs)) {
    const paragraphs = readFileSync(join(FIXTURES, 'quality/clean-train.txt'), 'utf8')
      .split(/\n\s*\n/)
      .filter(Boolean);
    mkdirSync(docs);
    writeFileSync(
      join(docs, 'part-00000.jsonl.gz'),
      gzipSync(
        paragraphs.map((t, i) => `${JSON.stringify({ id: `p${i}`, text: t, source: 'web', metadata: {} })}\n`).join(''),
      ),
    );
  }
  const tok = join(dir, `${name}.json`);
  const shards = join(dir, name);
  for (const args of [
    ['tokenizer', 'train', '--in', docs, '--vocab-size', String(vocab), '--out', tok],
    ['tokenize', '--in', docs, '--tokenizer', tok, '--out', shards, '--val-fraction', '0.2', '--quiet'],
  ]) {
    const r = moe(args);
    if (r.code !== 0) throw new Error(`moe ${args.join(' ')}: ${r.stderr}`);
  }
  return shards;
}
