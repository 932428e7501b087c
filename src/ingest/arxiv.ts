/**
 * arXiv ingestion: a paper arrives as a single `.tex`, a folder, a source tarball (`.tar.gz`) or
 * a gzipped single `.tex` (arXiv's bulk source files). The main file is the one with
 * `\documentclass` (or LaTeX 2.09's `\documentstyle`); the paper is cleaned by `latex.ts`.
 * Sources that are not UTF-8 are read as Latin-1 rather than dropped (RedPajama dropped them).
 */
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Doc } from '../core/doc.js';
import type { StageStats } from '../core/stats.js';
import { compressionOf, openBytes, readDecompressedHead, readHead } from '../io/compress.js';
import { isTarHeader, readTar } from '../io/tar.js';
import { decodeWindows1252 } from '../text/encoding.js';
import { cleanPaper } from './latex.js';

export interface ArxivUnit {
  kind: 'arxiv';
  /** A file (`.tex`, `.gz`, `.tar.gz`) or a paper folder. */
  path: string;
  id: string;
  /** For folders: the `.tex` files, relative to `path`. */
  files?: string[];
  size: number;
}

export interface ArxivOptions {
  /** Largest `.tex` file read from a paper (bytes). */
  maxFileBytes: number;
}

/** `arxiv_id` and `yymm` from a file or folder name: `2401.06066v2.tar.gz`, `hep-th9901001.gz`. */
export function arxivIdOf(name: string): { arxiv_id: string; yymm: string } | undefined {
  const base = posix.basename(name).replace(/(\.tar)?\.(gz|tgz|zst)$|\.(tex|tar|tgz)$/gi, '').replace(/\.tar$/i, '');
  const modern = /^(?:arXiv:)?(\d{4}\.\d{4,5})(v\d+)?$/i.exec(base);
  if (modern) return { arxiv_id: modern[1]!, yymm: modern[1]!.slice(0, 4) };
  const old = /^([a-z][a-z-]*(?:\.[A-Z]{2})?)[/_]?(\d{7})(v\d+)?$/.exec(base);
  if (old) return { arxiv_id: `${old[1]}/${old[2]}`, yymm: old[2]!.slice(0, 4) };
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes TeX source: UTF-8 when valid, Latin-1 (as windows-1252, its superset) otherwise. */
export function decodeTex(bytes: Uint8Array): { text: string; latin1: boolean } {
  try {
    return { text: utf8.decode(bytes), latin1: false };
  } catch {
    return { text: decodeWindows1252(bytes), latin1: true };
  }
}

const DOCCLASS = /^[^%\n]*\\document(class|style)\b/m;

/** Picks the main file: has `\documentclass`, then `\begin{document}`, then a usual name. */
export function pickMain(files: Map<string, string>): string | undefined {
  const names = [...files.keys()].sort();
  const candidates = names.filter((n) => DOCCLASS.test(files.get(n)!));
  if (candidates.length === 0) return names.length === 1 ? names[0] : undefined;
  const score = (n: string): number =>
    (files.get(n)!.includes('\\begin{document}') ? 4 : 0) + (/^(main|ms|paper|article)\.tex$/i.test(posix.basename(n)) ? 2 : 0) - n.split('/').length * 0.01;
  return candidates.reduce((best, n) => (score(n) > score(best) ? n : best));
}

async function loadFiles(unit: ArxivUnit, opts: ArxivOptions, stats: StageStats): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  if (unit.files) {
    for (const rel of unit.files) files.set(rel, await readFile(posix.join(unit.path, rel)));
    return files;
  }
  if (/\.tex$/i.test(unit.path)) {
    files.set(posix.basename(unit.path), await readFile(unit.path));
    return files;
  }
  // .gz / .tgz / .tar.gz / .tar: a tarball, or a single compressed .tex
  const compression = compressionOf(await readHead(unit.path, 4));
  const head = await readDecompressedHead(unit.path, 512);
  if (isTarHeader(head)) {
    for await (const f of readTar(unit.path, (name, size) => /\.tex$/i.test(name) && size <= opts.maxFileBytes)) {
      files.set(f.name.replace(/^\.\//, ''), f.data);
    }
    if (files.size === 0) stats.count('skipped.arxiv_no_tex');
    return files;
  }
  if (compression === 'none') throw new Error('not a .tex file, tarball or gzipped .tex');
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of openBytes(unit.path)) {
    size += c.length;
    if (size > opts.maxFileBytes) throw new Error(`decompressed source exceeds ${opts.maxFileBytes} bytes`);
    chunks.push(c);
  }
  files.set(posix.basename(unit.path).replace(/\.(gz|zst)$/i, '.tex'), Buffer.concat(chunks));
  return files;
}

/** Reads and cleans one paper into a document; undefined (counted) when nothing is left. */
export async function readArxiv(unit: ArxivUnit, opts: ArxivOptions, stats: StageStats): Promise<Doc | undefined> {
  const raw = await loadFiles(unit, opts, stats);
  if (raw.size === 0) return undefined;
  const files = new Map<string, string>();
  let usedLatin1 = false;
  for (const [name, bytes] of raw) {
    const { text, latin1: isLatin1 } = decodeTex(bytes);
    usedLatin1 ||= isLatin1;
    files.set(name, text);
  }
  const main = pickMain(files);
  if (!main) {
    stats.count('skipped.arxiv_no_main');
    return undefined;
  }
  const { text, missingInputs } = cleanPaper(files, main);
  if (missingInputs.length) stats.count('arxiv.missing_inputs', missingInputs.length);
  if (!text) {
    stats.count('skipped.empty');
    return undefined;
  }
  const ids = arxivIdOf(unit.path);
  const metadata: Doc['metadata'] = { path: posix.basename(unit.path), main_file: main, ...(ids ?? {}) };
  if (usedLatin1) {
    metadata.encoding = 'latin-1';
    stats.count('arxiv.latin1_sources');
  }
  return { id: unit.id, text, source: 'arxiv', metadata };
}
