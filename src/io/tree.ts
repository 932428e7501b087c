/**
 * Walking a source tree: every regular file under a root, sorted, minus skipped folders
 * (counted, not entered) and the paths its `.gitignore` files ignore (the `ignore` package
 * implements git's matching rules).
 */
import type { Dirent } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import fg from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import type { StageStats } from '../core/stats.js';

export interface TreeOptions {
  /** Folder names never entered. */
  skipDirs: string[];
  /** Honour `.gitignore` files. */
  gitignore: boolean;
}

/** One file found under a tree, with its path relative to the walked root. */
export interface TreeFile {
  path: string;
  rel: string;
  size: number;
}

/** The folders under `root` named in `skip` (not entered, so one inside another counts once). */
async function countExcludedDirs(root: string, skip: ReadonlySet<string>): Promise<number> {
  let n = 0;
  const visit = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (skip.has(e.name)) n += 1;
      else await visit(posix.join(dir, e.name));
    }
  };
  await visit(root);
  return n;
}

/**
 * Lists every regular file under `root` (sorted), minus skipped folders and gitignored paths;
 * each skipped folder is counted (`skipped.excluded_dir`), not the files inside it.
 */
export async function walkTree(root: string, opts: TreeOptions, stats: StageStats): Promise<TreeFile[]> {
  const excluded = await countExcludedDirs(root, new Set(opts.skipDirs));
  if (excluded) stats.count('skipped.excluded_dir', excluded);
  const entries = await fg('**/*', {
    cwd: root,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    stats: true,
    ignore: opts.skipDirs.map((d) => `**/${d}/**`),
    suppressErrors: true,
  });
  const files = entries
    .filter((e) => e.stats?.isFile())
    .map((e) => ({ path: posix.join(root.split('\\').join('/'), e.path), rel: e.path, size: e.stats!.size }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  if (!opts.gitignore) return files;
  const rules = new Map<string, Ignore>();
  for (const f of files) {
    if (posix.basename(f.rel) !== '.gitignore') continue;
    try {
      rules.set(posix.dirname(f.rel), ignore().add(await readFile(f.path, 'utf8')));
    } catch {
      /* an unreadable .gitignore ignores nothing */
    }
  }
  if (rules.size === 0) return files;
  return files.filter((f) => {
    const ignored = isIgnored(f.rel, rules);
    if (ignored) stats.count('skipped.gitignored');
    return !ignored;
  });
}

function isIgnored(rel: string, rules: Map<string, Ignore>): boolean {
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    const dir = i === 0 ? '.' : parts.slice(0, i).join('/');
    const rule = rules.get(dir);
    if (rule?.ignores(parts.slice(i).join('/'))) return true;
  }
  return false;
}
