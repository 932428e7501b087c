import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/moe'), ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', ...opts.env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export async function docsOf(dir: string): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const d of readDocs(dir)) out.push(d);
  return out;
}
