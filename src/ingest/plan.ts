/**
 * Planning: turn the input paths into an ordered list of units (one code file, one paper, one
 * web file), deciding each file's source family (`--source auto`) from its name and, when the
 * name is not enough, its first bytes. The order is the sorted walk order of each input, inputs
 * in the order given, so ids, `--shard I/N` partitions and output order never vary.
 */
import { posix, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { StageStats } from '../core/stats.js';
import { readDecompressedHead } from '../io/compress.js';
import { isTarHeader } from '../io/tar.js';
import { arxivIdOf, type ArxivUnit } from './arxiv.js';
import { type TreeFile, walkTree } from '../io/tree.js';
import { type CodeOptions, type CodeUnit, planCode } from './code.js';
import { languageOf } from './languages.js';
import type { WebFormat, WebUnit } from './web.js';
import { pathKind, readText } from '../io/files.js';

export type SourceChoice = 'auto' | 'code' | 'arxiv' | 'web';
export type Unit = CodeUnit | ArxivUnit | WebUnit;

type FileKind =
  | { kind: 'web'; format: WebFormat }
  | { kind: 'arxiv' }
  | { kind: 'tex' }
  | { kind: 'code' }
  | { kind: 'unknown' };

/** Classification by file name alone; `undefined` when the content must decide. */
export function kindByName(name: string): FileKind | undefined {
  const n = name.toLowerCase();
  if (/\.warc(\.gz|\.zst)?$/.test(n)) return { kind: 'web', format: n.includes('.wet') ? 'wet' : 'warc' };
  if (/\.wet(\.gz|\.zst)?$/.test(n)) return { kind: 'web', format: 'wet' };
  if (/\.(jsonl|ndjson)(\.gz|\.zst)?$/.test(n) || /\.json\.(gz|zst)$/.test(n)) return { kind: 'web', format: 'jsonl' };
  if (/\.(tar\.gz|tgz|tar|tar\.zst)$/.test(n)) return { kind: 'arxiv' };
  if (/\.(tex|sty)$/.test(n)) return { kind: 'tex' };
  if (/\.(gz|zst)$/.test(n)) return arxivIdOf(n) ? { kind: 'arxiv' } : undefined;
  return undefined;
}

/** Classification by the first decompressed bytes: tar, WARC, JSON lines or TeX. */
export async function kindByContent(path: string): Promise<FileKind> {
  const head = await readDecompressedHead(path, 1024);
  if (isTarHeader(head)) return { kind: 'arxiv' };
  const text = head.toString('latin1');
  if (/^WARC\/\d/.test(text)) return { kind: 'web', format: /WARC-Type:\s*conversion/i.test(text) ? 'wet' : 'warc' };
  if (/^\s*\{/.test(text)) return { kind: 'web', format: 'jsonl' };
  if (/\\(documentclass|documentstyle|section|begin\{)/.test(text)) return { kind: 'arxiv' };
  return { kind: 'unknown' };
}

const DOCCLASS = /^[^%\n]*\\document(class|style)\b/m;

/**
 * The kind of a file met while walking a folder: by its name, else code (`planCode` decides its
 * language, by name or `#!` line, and counts what it cannot use). Content decides only for a file
 * named like an arXiv paper (`2401.06066`, a download without its extension): inside a source
 * tree no file becomes a crawl or a JSON-lines input because of what it starts with.
 */
async function kindInTree(f: TreeFile, ctx: PlanContext): Promise<FileKind> {
  const name = posix.basename(f.rel);
  const byName = kindByName(name);
  if (byName) return byName;
  if (!languageOf(name, ctx.code.extensions) && arxivIdOf(name)) {
    const byContent = await kindByContent(f.path);
    if (byContent.kind === 'arxiv') return byContent;
  }
  return { kind: 'code' };
}

interface PlanContext extends PlanOptions {
  stats: StageStats;
}

/** Units of one input directory. */
async function planDir(root: string, label: string, ctx: PlanContext): Promise<Unit[]> {
  // never read our own output (or its temporary folder) back in when it lies inside an input
  const files = (await walkTree(root, ctx.code, ctx.stats)).filter(
    (f) => !ctx.exclude.some((x) => f.path === x || f.path.startsWith(`${x}/`) || f.path.startsWith(`${x}.tmp-`)),
  );
  if (ctx.source === 'code') return planCode(files, { label, code: ctx.code, stats: ctx.stats });
  const units: Array<{ rel: string; unit: Unit }> = [];
  const codeFiles: TreeFile[] = [];
  const texFiles: TreeFile[] = [];
  for (const f of files) {
    const kind = await kindInTree(f, ctx);
    const id = `${label}/${f.rel}`;
    if (kind.kind === 'web' && ctx.source !== 'arxiv')
      units.push({ rel: f.rel, unit: { kind: 'web', path: f.path, id, format: kind.format, size: f.size } });
    else if (kind.kind === 'arxiv' && ctx.source !== 'web')
      units.push({ rel: f.rel, unit: { kind: 'arxiv', path: f.path, id, size: f.size } });
    else if (kind.kind === 'tex' && ctx.source !== 'web') texFiles.push(f);
    else if (kind.kind === 'code') codeFiles.push(f);
    else ctx.stats.count(ctx.source === 'auto' ? 'skipped.unknown_type' : `skipped.not_${ctx.source}`);
  }
  // a folder whose own .tex files include a \documentclass is a paper; its .tex and .sty subtree
  // belongs to it, and its other files (.bbl, .aux, .cls, .bib, figures) are the paper's, not code
  const roots = new Set<string>();
  for (const f of texFiles) {
    if (/\.tex$/i.test(f.rel) && f.size <= 20_000_000 && DOCCLASS.test(await readText(f.path, 'latin1')))
      roots.add(posix.dirname(f.rel));
  }
  const paperOf = (rel: string): string | undefined => {
    for (let dir = posix.dirname(rel); ; dir = posix.dirname(dir)) {
      if (roots.has(dir)) return dir;
      if (dir === '.') return undefined;
    }
  };
  const papers = new Map<string, TreeFile[]>();
  for (const f of texFiles) {
    const dir = paperOf(f.rel);
    if (dir !== undefined) papers.set(dir, [...(papers.get(dir) ?? []), f]);
    else if (ctx.source === 'arxiv')
      units.push({ rel: f.rel, unit: { kind: 'arxiv', path: f.path, id: `${label}/${f.rel}`, size: f.size } });
    else codeFiles.push(f);
  }
  for (const [dir, members] of papers) {
    const path = dir === '.' ? root : posix.join(root, dir);
    const files = members.map((m) => (dir === '.' ? m.rel : m.rel.slice(dir.length + 1)));
    const id = dir === '.' ? label : `${label}/${dir}`;
    units.push({
      rel: dir === '.' ? '' : dir,
      unit: { kind: 'arxiv', path, id, files, size: members.reduce((s, m) => s + m.size, 0) },
    });
  }
  const sorted = codeFiles
    .filter((f) => {
      const aux = roots.size > 0 && paperOf(f.rel) !== undefined;
      if (aux) ctx.stats.count('skipped.arxiv_aux_file');
      return !aux;
    })
    .sort((a, b) => (a.rel < b.rel ? -1 : 1));
  if (ctx.source !== 'auto') {
    if (sorted.length) ctx.stats.count(`skipped.not_${ctx.source}`, sorted.length);
  } else
    for (const u of await planCode(sorted, { label, code: ctx.code, stats: ctx.stats, tree: files }))
      units.push({ rel: u.rel, unit: u });
  return units.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)).map((u) => u.unit);
}

/** Units of one input file. */
async function planFile(path: string, label: string, size: number, ctx: PlanContext): Promise<Unit[]> {
  const name = posix.basename(path);
  const unit = { path, id: label, size };
  // a lone code file is named after its folder, as if that folder had been walked
  const asCode = (): Promise<CodeUnit[]> =>
    planCode([{ path, rel: name, size }], {
      label: posix.basename(posix.dirname(path)),
      code: ctx.code,
      stats: ctx.stats,
    });
  if (ctx.source === 'code') return asCode();
  const kind =
    kindByName(name) ??
    (languageOf(name, ctx.code.extensions) ? ({ kind: 'code' } as const) : await kindByContent(path));
  const forced =
    ctx.source === 'auto'
      ? kind
      : ctx.source === 'web'
        ? kind.kind === 'web'
          ? kind
          : { kind: 'web' as const, format: 'jsonl' as const }
        : { kind: 'arxiv' as const };
  if (forced.kind === 'web') return [{ kind: 'web', format: forced.format, ...unit }];
  if (forced.kind === 'arxiv' || forced.kind === 'tex') return [{ kind: 'arxiv', ...unit }];
  if (forced.kind === 'code') return asCode();
  ctx.stats.error(path, 'cannot tell the source of this file (use --source code|arxiv|web)');
  return [];
}

export interface PlanOptions {
  source: SourceChoice;
  code: CodeOptions;
  /** Absolute folders whose files are never inputs (the stage's own output). */
  exclude: string[];
}

/** Plans every input; a missing input is a user error, an unreadable one is reported. */
export async function planInputs(inputs: string[], opts: PlanOptions, stats: StageStats): Promise<Unit[]> {
  const ctx: PlanContext = { ...opts, stats };
  const units: Unit[] = [];
  for (const input of inputs) {
    const path = resolve(input).split('\\').join('/');
    let st: Awaited<ReturnType<typeof pathKind>>;
    try {
      st = await pathKind(path);
    } catch {
      throw new UserError(
        `input not found: ${input}`,
        'check the path; inputs are files or folders of code, arXiv sources or web crawls',
      );
    }
    const label = posix.basename(path);
    // a FIFO or a device (/dev/zero) would be read forever
    if (st.kind === 'other')
      throw new UserError(
        `${input} is not a regular file or folder`,
        'give files or folders; a pipe or a device cannot be read to its end',
      );
    if (st.kind === 'dir') units.push(...(await planDir(path, label, ctx)));
    else units.push(...(await planFile(path, label, st.size, ctx)));
  }
  return units;
}

/** `I/N` → zero-based shard index and count. */
export function parseShard(spec: string | undefined): { index: number; count: number } | undefined {
  if (spec === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) {
    throw new UserError(
      `bad --shard "${spec}"`,
      'use I/N with 0 <= I < N, e.g. --shard 0/4 for the first of four parts',
    );
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}
