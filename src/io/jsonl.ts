/**
 * Document part files: gzip-compressed JSONL (`part-00000.jsonl.gz`, …), the datatrove/Dolma
 * format of DESIGN §3. The writer rolls to a new part when the uncompressed size would pass a
 * bound, so part boundaries depend only on the documents, never on timing or worker count.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type Doc, checkDoc, docToJson } from '../core/doc.js';
import { DataError } from '../core/errors.js';
import { decodeUtf8, openBytes, splitLines } from './compress.js';
import { listDir } from './files.js';

/** One written part file, as recorded in manifests. */
export interface PartInfo {
  file: string;
  docs: number;
  bytes: number;
  sha256: string;
}

export interface PartWriterOptions {
  dir: string;
  /** File name prefix (default `part`). */
  prefix?: string;
  /** Uncompressed bytes per part before rolling over (default 256 MiB). */
  maxPartBytes?: number;
}

const CHUNK = 1 << 20;

class Part {
  readonly gzip = createGzip({ level: 6 });
  readonly hash = createHash('sha256');
  readonly done: Promise<void>;
  docs = 0;
  bytes = 0;
  pending: string[] = [];
  pendingBytes = 0;

  constructor(readonly file: string) {
    const hash = this.hash;
    this.done = pipeline(
      this.gzip,
      async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) {
          hash.update(c);
          yield c;
        }
      },
      createWriteStream(file),
    );
  }
}

/** Writes documents into numbered gzip JSONL parts in the order they are given. */
export class PartWriter {
  private part: Part | undefined;
  private index = 0;
  private readonly parts: PartInfo[] = [];
  private readonly prefix: string;
  private readonly maxPartBytes: number;

  constructor(private readonly opts: PartWriterOptions) {
    this.prefix = opts.prefix ?? 'part';
    this.maxPartBytes = opts.maxPartBytes ?? 256 * 1024 * 1024;
  }

  async write(doc: Doc): Promise<void> {
    const line = `${docToJson(doc)}\n`;
    const size = Buffer.byteLength(line);
    if (this.part && this.part.docs > 0 && this.part.bytes + size > this.maxPartBytes) await this.closePart();
    if (!this.part) {
      await mkdir(this.opts.dir, { recursive: true });
      const name = `${this.prefix}-${String(this.index++).padStart(5, '0')}.jsonl.gz`;
      this.part = new Part(join(this.opts.dir, name));
    }
    const p = this.part;
    p.pending.push(line);
    p.pendingBytes += size;
    p.docs += 1;
    p.bytes += size;
    if (p.pendingBytes >= CHUNK) await this.flush(p);
  }

  private async flush(p: Part): Promise<void> {
    if (!p.pending.length) return;
    const ok = p.gzip.write(p.pending.join(''));
    p.pending = [];
    p.pendingBytes = 0;
    if (!ok) await new Promise<void>((resolve) => p.gzip.once('drain', resolve));
  }

  private async closePart(): Promise<void> {
    const p = this.part;
    if (!p) return;
    this.part = undefined;
    await this.flush(p);
    p.gzip.end();
    await p.done;
    this.parts.push({ file: p.file, docs: p.docs, bytes: p.bytes, sha256: p.hash.digest('hex') });
  }

  /** Closes the last part and returns every part written. */
  async close(): Promise<PartInfo[]> {
    await this.closePart();
    return this.parts;
  }
}

/** The part files of a stage folder, in order. */
export async function listParts(dir: string, prefix = 'part'): Promise<string[]> {
  let names: string[];
  try {
    names = await listDir(dir);
  } catch {
    throw new DataError(`cannot read ${dir}`, 'check the --in path; it should be the output folder of an earlier stage');
  }
  return names.filter((n) => n.startsWith(`${prefix}-`) && n.endsWith('.jsonl.gz')).map((n) => join(dir, n));
}

/** Streams the documents of one part file; a malformed line is a DataError naming file and line. */
export async function* readPart(file: string): AsyncGenerator<Doc> {
  let lineNo = 0;
  for await (const line of splitLines(openBytes(file))) {
    lineNo += 1;
    if (line.length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(decodeUtf8(line));
    } catch (e) {
      throw new DataError(`${file}:${lineNo}: not valid JSON (${(e as Error).message})`);
    }
    const doc = checkDoc(value);
    if (typeof doc === 'string') throw new DataError(`${file}:${lineNo}: ${doc}`);
    yield doc;
  }
}

/** Streams every document of a stage folder, part by part. */
export async function* readDocs(dir: string): AsyncGenerator<Doc> {
  for (const file of await listParts(dir)) yield* readPart(file);
}
