/**
 * arXiv ingestion. A paper arrives as arXiv serves it: a single `.tex`, a folder, a source
 * tarball (`.tar.gz`/`.tgz`), a gzipped single `.tex`, or inside a bulk `src` tar whose members
 * are `YYMM/ID.gz` (each a gzipped tarball or a gzipped single `.tex`, or a `.pdf` for a PDF-only
 * submission), streamed member by member. The main file is the one with `\documentclass` (or
 * LaTeX 2.09's `\documentstyle`), anywhere in the archive; the paper is cleaned by `latex.ts`
 * with the archive's `.sty` files for their macros. Auxiliary files (`.bbl`, `.aux`, `.cls`,
 * images…) are not read. Sources that are not UTF-8 are read as Latin-1 (RedPajama dropped them).
 */
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Doc } from '../core/doc.js';
import { reasonOf } from '../core/errors.js';
import type { StageStats } from '../core/stats.js';
import { compressionOf, openBytes, readDecompressedHead, readHead } from '../io/compress.js';
import { isTarHeader, readTar, readTarBytes } from '../io/tar.js';
import { decodeWindows1252 } from '../text/encoding.js';
import { cleanPaper } from './latex.js';
import { readBinary } from '../io/files.js';

export interface ArxivUnit {
  kind: 'arxiv';
  /** A file (`.tex`, `.gz`, `.tar.gz`, a bulk `.tar`) or a paper folder. */
  path: string;
  id: string;
  /** For folders: the paper's `.tex` and `.sty` files, relative to `path`. */
  files?: string[];
  size: number;
}

export interface ArxivOptions {
  /** Largest source file read from a paper, and largest decompressed bulk member (bytes). */
  maxFileBytes: number;
  /** Papers whose cleaned text is shorter than this (characters) are skipped and counted. */
  minChars: number;
  /** Title and abstract first, as text. */
  frontMatter: boolean;
}

/** `arxiv_id` and `yymm` from a file or folder name: `2401.06066v2.tar.gz`, `hep-th9901001.gz`. */
export function arxivIdOf(name: string): { arxiv_id: string; yymm: string } | undefined {
  const base = posix
    .basename(name)
    .replace(/(\.tar)?\.(gz|tgz|zst)$|\.(tex|tar|tgz|pdf)$/gi, '')
    .replace(/\.tar$/i, '');
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
/** What a LaTeX source has and a PostScript, HTML or Word submission has not. */
const LATEX = /\\(documentclass|documentstyle|begin\{document\}|section|input\b)/;
/** Files of a paper that are read: its sources, and its style files for their macros. */
export const PAPER_SOURCE = /\.(tex|sty)$/i;

/** Picks the main file: has `\documentclass`, then `\begin{document}`, then a usual name, then the shallowest. */
export function pickMain(files: Map<string, string>): string | undefined {
  const names = [...files.keys()].filter((n) => /\.tex$/i.test(n)).sort();
  const candidates = names.filter((n) => DOCCLASS.test(files.get(n)!));
  if (candidates.length === 0) return names.length === 1 ? names[0] : undefined;
  const score = (n: string): number =>
    (files.get(n)!.includes('\\begin{document}') ? 4 : 0) +
    (/^(main|ms|paper|article)\.tex$/i.test(posix.basename(n)) ? 2 : 0) -
    n.split('/').length * 0.01;
  return candidates.reduce((best, n) => (score(n) > score(best) ? n : best));
}

/** One paper's files, by path from the archive's top (a leading `./` dropped). */
type Sources = Map<string, Uint8Array>;

const keyOf = (name: string): string => name.replace(/^\.\//, '');

/** A gzipped member or file: a tarball's sources, or one `.tex`; undefined when it is not LaTeX. */
async function sourcesOfGzip(
  bytes: Uint8Array,
  name: string,
  opts: ArxivOptions,
  tooLarge: (name: string, size: number) => boolean,
): Promise<Sources | undefined> {
  let data: Buffer;
  try {
    data = gunzipSync(bytes, { maxOutputLength: opts.maxFileBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw e;
    throw new Error(`inflates to more than ingest.arxiv.maxFileBytes (${opts.maxFileBytes}); skipped`);
  }
  const files: Sources = new Map();
  if (isTarHeader(data.subarray(0, 512))) {
    for await (const f of readTarBytes(data, (n, size) => PAPER_SOURCE.test(n) && !tooLarge(`${name}:${n}`, size)))
      files.set(keyOf(f.name), f.data);
    return files;
  }
  if (!LATEX.test(data.subarray(0, 200_000).toString('latin1'))) return undefined;
  files.set(posix.basename(name).replace(/\.(gz|zst)$/i, '.tex'), data);
  return files;
}

/** Turns one paper's sources into a document, or counts why not. */
function paperDoc(
  sources: Sources,
  ref: { id: string; path: string; ids?: ReturnType<typeof arxivIdOf> },
  opts: ArxivOptions,
  stats: StageStats,
): Doc | undefined {
  if (![...sources.keys()].some((n) => /\.tex$/i.test(n))) {
    stats.count('skipped.arxiv_no_tex');
    return undefined;
  }
  const files = new Map<string, string>();
  let usedLatin1 = false;
  for (const [name, bytes] of sources) {
    const { text, latin1 } = decodeTex(bytes);
    if (/\.tex$/i.test(name)) usedLatin1 ||= latin1;
    files.set(name, text);
  }
  const main = pickMain(files);
  if (!main) {
    stats.count('skipped.arxiv_no_main');
    return undefined;
  }
  const { text, missingInputs } = cleanPaper(files, main, { frontMatter: opts.frontMatter });
  if (missingInputs.length) stats.count('arxiv.missing_inputs', missingInputs.length);
  if (text.length < opts.minChars) {
    stats.count(text ? 'skipped.arxiv_too_short' : 'skipped.empty');
    return undefined;
  }
  const metadata: Doc['metadata'] = { path: ref.path, main_file: main, ...(ref.ids ?? {}) };
  if (usedLatin1) {
    metadata.encoding = 'latin-1';
    stats.count('arxiv.latin1_sources');
  }
  return { id: ref.id, text, source: 'arxiv', metadata };
}

/** A bulk `src` tar member: `2301/2301.00001.gz`, `9901/hep-th9901001.gz`, `2301/2301.00002.pdf`. */
function bulkMember(name: string): boolean {
  return /\.(gz|pdf)$/i.test(name) && !/\.tar\.gz$/i.test(name) && arxivIdOf(name) !== undefined;
}

/** Documents of a tarball: one paper, or every paper of a bulk `src` tar, member by member. */
async function* tarDocs(unit: ArxivUnit, opts: ArxivOptions, stats: StageStats): AsyncGenerator<Doc> {
  const sources: Sources = new Map();
  let members = 0;
  // a member over the limit is skipped as the tar streams, counted and reported with its path
  const tooLarge = (name: string, size: number): boolean => {
    if (size <= opts.maxFileBytes) return false;
    stats.count('skipped.arxiv_file_too_large');
    stats.error(
      `${unit.path}:${name}`,
      `${size} bytes, over ingest.arxiv.maxFileBytes (${opts.maxFileBytes}); skipped`,
    );
    return true;
  };
  const want = (name: string, size: number): boolean => {
    if (bulkMember(name)) {
      if (/\.pdf$/i.test(name)) {
        stats.count('skipped.arxiv_pdf_only');
        return false;
      }
      return !tooLarge(name, size);
    }
    return PAPER_SOURCE.test(name) && !tooLarge(name, size);
  };
  for await (const f of readTar(unit.path, want)) {
    if (!bulkMember(f.name)) {
      sources.set(keyOf(f.name), f.data);
      continue;
    }
    members += 1;
    const stem = posix.basename(f.name).replace(/\.gz$/i, '');
    try {
      const paper = await sourcesOfGzip(f.data, f.name, opts, (n, size) => tooLarge(n, size));
      if (!paper) {
        stats.count('skipped.arxiv_not_latex');
        continue;
      }
      const doc = paperDoc(
        paper,
        { id: `${unit.id}/${stem}`, path: keyOf(f.name), ids: arxivIdOf(f.name) },
        opts,
        stats,
      );
      if (doc) yield doc;
    } catch (e) {
      stats.error(`${unit.path}:${f.name}`, reasonOf(e));
    }
  }
  if (members === 0 || sources.size > 0) {
    const doc = paperDoc(
      sources,
      { id: unit.id, path: posix.basename(unit.path), ids: arxivIdOf(unit.path) },
      opts,
      stats,
    );
    if (doc) yield doc;
  }
}

/** Documents of one arXiv unit: a paper, or the papers of a bulk tar. */
export async function* arxivDocs(unit: ArxivUnit, opts: ArxivOptions, stats: StageStats): AsyncGenerator<Doc> {
  // a paper in a subfolder (`2405.09999/submission`) takes its id from the nearest folder named like one
  const ids = unit.id
    .split('/')
    .reverse()
    .map(arxivIdOf)
    .find((x) => x !== undefined);
  const ref = { id: unit.id, path: posix.basename(unit.path), ids };
  if (unit.files) {
    const sources: Sources = new Map();
    for (const rel of unit.files) sources.set(rel, await readBinary(posix.join(unit.path, rel)));
    const doc = paperDoc(sources, ref, opts, stats);
    if (doc) yield doc;
    return;
  }
  if (/\.tex$/i.test(unit.path)) {
    const doc = paperDoc(new Map([[posix.basename(unit.path), await readBinary(unit.path)]]), ref, opts, stats);
    if (doc) yield doc;
    return;
  }
  // .gz / .tgz / .tar.gz / .tar: a tarball (a paper's, or a bulk src tar), or a single compressed .tex
  if (isTarHeader(await readDecompressedHead(unit.path, 512))) {
    yield* tarDocs(unit, opts, stats);
    return;
  }
  if (compressionOf(await readHead(unit.path, 4)) === 'none')
    throw new Error('not a .tex file, tarball or gzipped .tex');
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of openBytes(unit.path)) {
    size += c.length;
    if (size > opts.maxFileBytes)
      throw new Error(`inflates to more than ingest.arxiv.maxFileBytes (${opts.maxFileBytes}); skipped`);
    chunks.push(c);
  }
  const data = Buffer.concat(chunks);
  if (!LATEX.test(data.subarray(0, 200_000).toString('latin1'))) {
    stats.count('skipped.arxiv_not_latex');
    return;
  }
  const doc = paperDoc(new Map([[posix.basename(unit.path).replace(/\.(gz|zst)$/i, '.tex'), data]]), ref, opts, stats);
  if (doc) yield doc;
}
