/**
 * Document part files: gzip-compressed JSONL (`part-00000.jsonl.gz`, …), the datatrove/Dolma
 * format of docs/DESIGN.md §3. Each part is a sequence of gzip members, one per batch of documents.
 */
import { type Hash, createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Doc, checkDoc, docToJson } from '../core/doc.js';
import { DataError, isUserError, jsonProblem } from '../core/errors.js';
import { decodeUtf8, openBytes, splitBoundedLines } from './compress.js';
import { listDir } from './files.js';
import { displayPath } from '../core/stage.js';
import { failOnFirst, type StageStats } from '../core/stats.js';

/** One written part file, as recorded in manifests. */
export interface PartInfo {
  file: string;
  docs: number;
  /** Uncompressed JSONL bytes. */
  bytes: number;
  sha256: string;
}

/** Documents already serialised and compressed (one gzip member), ready to append to a part. */
export interface EncodedBatch {
  docs: number;
  /** Uncompressed JSONL bytes. */
  bytes: number;
  gz: Uint8Array;
}

/**
 * gzip level of stage outputs: 1 compresses text 2.6× faster than the default 6 for files about
 * 15% larger (3.5× vs 4.0× on the bench corpus); dedup rewrites nearly all of its input, so this
 * is most of its second pass. Any gzip reader reads either.
 */
export const GZIP_LEVEL = 1;

/**
 * Serialises and compresses documents into one gzip member. Workers call this so the
 * expensive part of writing runs in parallel; a part file is a concatenation of members
 * (multi-member gzip, readable by zcat, Python's gzip and every JSONL.gz reader).
 */
export function encodeBatch(docs: Doc[]): EncodedBatch {
  const text = docs.map((d) => `${docToJson(d)}\n`).join('');
  const raw = Buffer.from(text);
  return { docs: docs.length, bytes: raw.length, gz: gzipSync(raw, { level: GZIP_LEVEL }) };
}

export interface PartWriterOptions {
  dir: string;
  /** File name prefix (default `part`). */
  prefix?: string;
  /** Uncompressed bytes per part before rolling over (default 256 MiB). */
  maxPartBytes?: number;
}

/** Documents buffered by `write` before they are compressed as one member. */
const BATCH_BYTES = 1 << 20;

interface OpenPart {
  file: string;
  fd: number;
  hash: Hash;
  docs: number;
  bytes: number;
}

/**
 * Writes documents into numbered gzip JSONL parts, in the order given. Parts roll over
 * between batches when the next batch would pass `maxPartBytes`, so boundaries depend only on
 * the documents. Accepts single documents (`write`) or worker-encoded batches (`writeEncoded`).
 */
export class PartWriter {
  private part: OpenPart | undefined;
  private index = 0;
  private readonly parts: PartInfo[] = [];
  private readonly prefix: string;
  private readonly maxPartBytes: number;
  private pending: Doc[] = [];
  private pendingBytes = 0;

  constructor(private readonly opts: PartWriterOptions) {
    this.prefix = opts.prefix ?? 'part';
    this.maxPartBytes = opts.maxPartBytes ?? 256 * 1024 * 1024;
  }

  async write(doc: Doc): Promise<void> {
    const size = Buffer.byteLength(docToJson(doc)) + 1;
    const used = (this.part?.bytes ?? 0) + this.pendingBytes;
    if (used > 0 && used + size > this.maxPartBytes) {
      this.flushPending();
      this.closePart();
    }
    this.pending.push(doc);
    this.pendingBytes += size;
    if (this.pendingBytes >= BATCH_BYTES) this.flushPending();
  }

  /** Appends a batch encoded by `encodeBatch` (after any documents given to `write`). */
  async writeEncoded(batch: EncodedBatch): Promise<void> {
    this.flushPending();
    if (this.part && this.part.docs > 0 && this.part.bytes + batch.bytes > this.maxPartBytes) this.closePart();
    this.append(batch);
  }

  private flushPending(): void {
    if (!this.pending.length) return;
    const batch = encodeBatch(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.append(batch);
  }

  private append(batch: EncodedBatch): void {
    if (batch.docs === 0) return;
    if (!this.part) {
      mkdirSync(this.opts.dir, { recursive: true });
      const file = join(this.opts.dir, `${this.prefix}-${String(this.index++).padStart(5, '0')}.jsonl.gz`);
      this.part = { file, fd: openSync(file, 'w'), hash: createHash('sha256'), docs: 0, bytes: 0 };
    }
    const p = this.part;
    writeSync(p.fd, batch.gz);
    p.hash.update(batch.gz);
    p.docs += batch.docs;
    p.bytes += batch.bytes;
  }

  private closePart(): void {
    const p = this.part;
    if (!p) return;
    this.part = undefined;
    closeSync(p.fd);
    this.parts.push({ file: p.file, docs: p.docs, bytes: p.bytes, sha256: p.hash.digest('hex') });
  }

  /** Closes the last part and returns every part written. */
  async close(): Promise<PartInfo[]> {
    this.flushPending();
    this.closePart();
    return this.parts;
  }
}

/** The part files of a stage folder, in order. */
export async function listParts(dir: string, prefix = 'part'): Promise<string[]> {
  let names: string[];
  try {
    names = await listDir(dir);
  } catch {
    throw new DataError(
      `cannot read ${dir}`,
      'check the --in path; it should be the output folder of an earlier stage',
    );
  }
  const parts = names.filter((n) => n.startsWith(`${prefix}-`) && n.endsWith('.jsonl.gz')).map((n) => join(dir, n));
  for (const p of parts) {
    // a folder or a dangling link under a part's name
    const size = await stat(p).then(
      (s) => (s.isFile() ? s.size : -1),
      () => -1,
    );
    if (size < 0)
      throw new DataError(
        `${displayPath(p)} is not a file`,
        'a stage folder holds part files; move that entry out of it',
      );
    // moe never writes an empty part (a part holds at least one gzip member), so this one was cut short
    if (size === 0)
      throw new DataError(
        `${displayPath(p)} is empty (0 bytes): a part file cut short`,
        're-run the stage that wrote this folder',
      );
  }
  return parts;
}

/**
 * A part file's decompressed bytes; a file that cannot be read to its end (truncated or corrupt
 * gzip, an I/O error) is a DataError naming it, not a crash.
 */
async function* partBytes(file: string): AsyncGenerator<Uint8Array> {
  try {
    yield* openBytes(file);
  } catch (e) {
    if (isUserError(e)) throw e;
    throw new DataError(`${displayPath(file)}: ${(e as Error).message}`, 're-run the stage that wrote this folder');
  }
}

/** Streams the documents of one part file; a malformed line is a DataError naming file and line. */
export async function* readPart(file: string, bound?: DocBound): AsyncGenerator<Doc> {
  let lineNo = 0;
  for await (const line of splitBoundedLines(partBytes(file), bound?.maxBytes ?? Number.POSITIVE_INFINITY)) {
    lineNo += 1;
    if (!(line instanceof Uint8Array)) {
      bound!.skip(`${displayPath(file)}:${lineNo}`, line.tooLong);
      continue;
    }
    if (line.length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(decodeUtf8(line));
    } catch (e) {
      throw new DataError(
        `${displayPath(file)}:${lineNo}: ${jsonProblem(e)}`,
        're-run the stage that wrote this folder',
      );
    }
    const doc = checkDoc(value);
    if (typeof doc === 'string') throw new DataError(`${file}:${lineNo}: ${doc}`);
    yield doc;
  }
}

/** Streams every document of a stage folder, part by part. */
export async function* readDocs(dir: string, bound?: DocBound): AsyncGenerator<Doc> {
  for (const file of await listParts(dir)) yield* readPart(file, bound);
}

/** A run of whole JSONL lines from a part file (about 1 MiB), the unit of parallel stage work. */
export interface DocChunk {
  /** Where the chunk comes from, for error messages. */
  file: string;
  firstLine: number;
  bytes: Uint8Array;
}

const CHUNK_BYTES = 1 << 20;

/** Default of the `maxDocBytes` keys: the longest document line a stage reads from its --in folder. */
export const MAX_DOC_BYTES = 4 * 1024 * 1024;

/** How a stage bounds the documents it reads: longer lines are skipped as they stream, never held. */
export interface DocBound {
  maxBytes: number;
  /** Called for each skipped line: where it is (`file:line`) and its length in bytes. */
  skip(where: string, bytes: number): void;
}

/**
 * A stage folder's documents (or those of the given part files) as chunks of whole lines, part by
 * part, in order. A chunk is the whole lines that fit in CHUNK_BYTES (or one longer line alone), so
 * where it is cut depends on the lines alone, not on how the bytes were read. With a `bound`, a line
 * longer than its `maxBytes` is dropped while it streams (an empty line keeps the numbering).
 */
export async function* readChunks(dir: string, parts?: string[], bound?: DocBound): AsyncGenerator<DocChunk> {
  for (const file of parts ?? (await listParts(dir))) {
    const shown = displayPath(file);
    // the chunk's lines, each followed by a line feed (a skipped line is one alone), copied in as
    // they come: a line read is a view of the decompressed block, which would otherwise stay alive
    // (and outside the heap, so the main thread's collector runs again and again) until the chunk is sent
    let buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let count = 0;
    let size = 0;
    let firstLine = 1;
    let lineNo = 0;
    const emit = (last = false): DocChunk => {
      // a chunk is sent to a worker with its whole buffer: a short one (a part's last) gets its own
      const bytes = size < buf.length / 2 ? Buffer.from(buf.subarray(0, size)) : buf.subarray(0, size);
      const chunk = { file: shown, firstLine, bytes };
      firstLine += count;
      if (!last) buf = Buffer.allocUnsafe(CHUNK_BYTES);
      count = 0;
      size = 0;
      return chunk;
    };
    for await (const line of splitBoundedLines(partBytes(file), bound?.maxBytes ?? Number.POSITIVE_INFINITY)) {
      lineNo += 1;
      let bytes = 1;
      if (line instanceof Uint8Array) bytes += line.length;
      else bound!.skip(`${shown}:${lineNo}`, line.tooLong);
      if (size > 0 && size + bytes > CHUNK_BYTES) yield emit();
      // one line longer than a chunk is a chunk alone
      if (bytes > buf.length) buf = Buffer.allocUnsafe(bytes);
      if (line instanceof Uint8Array) buf.set(line, size);
      buf[size + bytes - 1] = 10;
      count += 1;
      size += bytes;
    }
    if (size > 0) yield emit(true);
  }
}

/** A bound whose skipped lines are counted (`skipped.doc_too_large`) and listed in `stats` as errors naming the config `key`. */
export function docBound(maxBytes: number, key: string, stats: StageStats, strict = false): DocBound {
  return {
    maxBytes,
    skip(where, bytes) {
      stats.count('skipped.doc_too_large');
      stats.error(where, `a document of ${bytes} bytes, over ${key} (${maxBytes}); skipped`);
      if (strict) failOnFirst(stats.data.errors.slice(-1));
    },
  };
}

/** A bound that drops long lines without a word (a first pass; the stage's own pass reports them). */
export function quietBound(maxBytes: number): DocBound {
  return { maxBytes, skip() {} };
}

/** The documents in a chunk: its non-empty lines (as `parseChunk` counts them). */
export function countLines(bytes: Uint8Array): number {
  let n = 0;
  let start = 0;
  for (let i = bytes.indexOf(10); ; i = bytes.indexOf(10, i + 1)) {
    const end = i === -1 ? bytes.length : i;
    if (end > start) n += 1;
    if (i === -1) return n;
    start = i + 1;
  }
}

/**
 * Parses a chunk's lines into documents; a malformed line is a DataError naming file and line.
 * Each line is decoded alone, so a document in ASCII is a one-byte string whatever its neighbours hold.
 */
export function parseChunk(chunk: DocChunk): Doc[] {
  const bytes = chunk.bytes;
  const docs: Doc[] = [];
  const where = (i: number): string => `${chunk.file}:${chunk.firstLine + i}`;
  for (let start = 0, i = 0; start < bytes.length; i++) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    const line = bytes.subarray(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    let text: string;
    try {
      text = decodeUtf8(line);
    } catch {
      throw new DataError(`${where(i)}: not valid UTF-8`, 're-run the stage that wrote this folder');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new DataError(`${where(i)}: not valid JSON`, 're-run the stage that wrote this folder');
    }
    const doc = checkDoc(value);
    if (typeof doc === 'string') throw new DataError(`${where(i)}: ${doc}`, 're-run the stage that wrote this folder');
    docs.push(doc);
  }
  return docs;
}
