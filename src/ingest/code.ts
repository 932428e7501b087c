/**
 * Code ingestion: a source tree becomes one document per file, as The Stack builds it.
 * The walk (`io/tree.ts`) skips VCS, dependency, vendored and cache folders and gitignored paths;
 * here, oversized files and files of unknown language are skipped (extensionless scripts get
 * theirs from the `#!` line); in the reader, binary (NUL byte) and undecodable files. Every skip
 * is counted by its reason.
 */
import { posix } from 'node:path';
import type { Doc } from '../core/doc.js';
import type { StageStats } from '../core/stats.js';
import { readHead } from '../io/compress.js';
import type { TreeFile } from '../io/tree.js';
import { languageOf } from './languages.js';
import { licenseOf } from './license.js';
import { looksBinary, shebangLanguage } from './shebang.js';

/** Folders never walked: VCS metadata, dependency caches and vendored third-party code. */
export const DEFAULT_SKIP_DIRS = [
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  'bower_components',
  'vendor',
  'vendors',
  'third_party',
  'third-party',
  'thirdparty',
  '3rdparty',
  'Pods',
  'Godeps',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  '.gradle',
  '.idea',
  '.vscode',
];

export interface CodeOptions {
  maxFileBytes: number;
  skipDirs: string[];
  gitignore: boolean;
  extensions: Record<string, string>;
}

/** A code file the planner accepted, ready for a worker to read. */
export interface CodeUnit {
  kind: 'code';
  path: string;
  /** Id of the document: the input's name plus the path inside it. */
  id: string;
  rel: string;
  repo: string;
  language: string;
  size: number;
  license?: string;
}

export interface PlanCodeContext {
  /** The input's name, the first part of every id and the `repo` metadata. */
  label: string;
  code: CodeOptions;
  stats: StageStats;
  /** The whole walk (for the LICENSE file), when `files` is only part of it. */
  tree?: TreeFile[];
}

/**
 * The language of a file the name does not tell: a script's from its `#!` line; a binary file
 * is counted as `skipped.binary`, anything else as `skipped.unknown_type`. Content never makes a
 * file in a source tree a crawl or a JSON-lines input (a Jinja template starting with `{{` is
 * neither).
 */
async function sniffedLanguage(f: TreeFile, stats: StageStats): Promise<string | undefined> {
  let head: Buffer;
  try {
    head = f.size > 0 ? await readHead(f.path, 1024) : Buffer.alloc(0);
  } catch {
    head = Buffer.alloc(0);
  }
  const language = shebangLanguage(head);
  if (language) return language;
  stats.count(looksBinary(head) ? 'skipped.binary' : 'skipped.unknown_type');
  return undefined;
}

/** Turns walked files into code units, counting what is skipped and why. */
export async function planCode(files: TreeFile[], ctx: PlanCodeContext): Promise<CodeUnit[]> {
  const { label, code: opts, stats } = ctx;
  const license = await licenseOf(ctx.tree ?? files);
  const units: CodeUnit[] = [];
  for (const f of files) {
    const language = languageOf(posix.basename(f.rel), opts.extensions) ?? (await sniffedLanguage(f, stats));
    if (!language) continue;
    if (f.size > opts.maxFileBytes) stats.count('skipped.too_large');
    else if (f.size === 0) stats.count('skipped.empty');
    else
      units.push({
        kind: 'code',
        path: f.path,
        id: `${label}/${f.rel}`,
        rel: f.rel,
        repo: posix.basename(label),
        language,
        size: f.size,
        ...(license ? { license } : {}),
      });
  }
  return units;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Turns one code file's bytes into a document, or counts why it is skipped. */
export function codeDoc(unit: CodeUnit, bytes: Uint8Array, stats: StageStats): Doc | undefined {
  if (bytes.subarray(0, 8192).includes(0)) {
    stats.count('skipped.binary');
    return undefined;
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    stats.count('skipped.undecodable');
    return undefined;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const metadata: Doc['metadata'] = { path: unit.rel, repo: unit.repo, language: unit.language, bytes: bytes.length };
  if (unit.license) metadata.license = unit.license;
  return { id: unit.id, text, source: 'code', metadata };
}
