/**
 * Megatron-LM indexed datasets (docs/DESIGN.md §3; `megatron/core/datasets/indexed_dataset.py`):
 * `P.bin` holds every document's token ids back to back; `P.idx` is little-endian, unpadded:
 * magic `MMIDIDX\0\0`, version u64 = 1, dtype code u8 (8 = uint16, 4 = int32), S u64, D+1 u64,
 * S int32 sequence lengths, S int64 byte offsets into `.bin`, D+1 int64 document indices
 * (0, 1, …, S: one sequence per document). Written streaming, `.idx` last, both under temporary
 * names renamed at the end; validated on read with the check that failed and what to re-run.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  read,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { DataError, jsonProblem, UserError } from '../core/errors.js';

const MAGIC = Buffer.from([0x4d, 0x4d, 0x49, 0x44, 0x49, 0x44, 0x58, 0x00, 0x00]);
export const DTYPE_UINT16 = 8;
export const DTYPE_INT32 = 4;

/** The dtype code for a vocabulary size (Megatron's own rule: uint16 below 65,500 ids). */
export function dtypeFor(vocabSize: number): number {
  return vocabSize < 65500 ? DTYPE_UINT16 : DTYPE_INT32;
}

const itemSize = (dtype: number): number => (dtype === DTYPE_UINT16 ? 2 : 4);

export class MegatronWriter {
  private readonly bin: number;
  private lengths = new Int32Array(1024);
  private count = 0;
  private tokens = 0;

  /** `prefix` without extension, e.g. `shards/train_text_document`. */
  constructor(
    private readonly prefix: string,
    readonly dtype: number,
  ) {
    this.bin = openSync(`${prefix}.bin.tmp`, 'w');
  }

  /** Appends one document's ids (already ending with the end-of-text id). */
  add(ids: Uint16Array | Int32Array): void {
    const data =
      this.dtype === DTYPE_UINT16
        ? ids instanceof Uint16Array
          ? ids
          : Uint16Array.from(ids)
        : ids instanceof Int32Array
          ? ids
          : Int32Array.from(ids);
    writeSync(this.bin, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (this.count === this.lengths.length) {
      const grown = new Int32Array(this.lengths.length * 2);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[this.count++] = data.length;
    this.tokens += data.length;
  }

  /** Writes the index and renames both files into place; returns documents and tokens. */
  close(): { docs: number; tokens: number } {
    closeSync(this.bin);
    const s = this.count;
    const idx = Buffer.alloc(34 + 12 * s + 8 * (s + 1));
    MAGIC.copy(idx, 0);
    idx.writeBigUInt64LE(1n, 9);
    idx.writeUInt8(this.dtype, 17);
    idx.writeBigUInt64LE(BigInt(s), 18);
    idx.writeBigUInt64LE(BigInt(s + 1), 26);
    let at = 34;
    for (let i = 0; i < s; i++, at += 4) idx.writeInt32LE(this.lengths[i]!, at);
    let offset = 0n;
    const size = BigInt(itemSize(this.dtype));
    for (let i = 0; i < s; i++, at += 8) {
      idx.writeBigInt64LE(offset, at);
      offset += BigInt(this.lengths[i]!) * size;
    }
    for (let i = 0; i <= s; i++, at += 8) idx.writeBigInt64LE(BigInt(i), at);
    const fd = openSync(`${this.prefix}.idx.tmp`, 'w');
    writeSync(fd, idx);
    closeSync(fd);
    renameSync(`${this.prefix}.bin.tmp`, `${this.prefix}.bin`);
    renameSync(`${this.prefix}.idx.tmp`, `${this.prefix}.idx`);
    return { docs: s, tokens: this.tokens };
  }
}

export interface MegatronIndex {
  dtype: number;
  lengths: Int32Array;
  /** Token offset (not bytes) of each sequence. */
  starts: Float64Array;
  tokens: number;
}

/**
 * Random access to a shard's token stream: `prefix.bin`, with its index read and validated
 * first. Ids are returned as they are stored; what is a valid id is the reader's caller's to say.
 */
export class MegatronReader {
  readonly index: MegatronIndex;
  private readonly fd: number;
  private readonly item: number;

  constructor(readonly prefix: string) {
    this.index = readMegatronIndex(prefix);
    this.item = this.index.dtype === DTYPE_UINT16 ? 2 : 4;
    this.fd = openSync(`${prefix}.bin`, 'r');
  }

  /** Ids [start, start + n) of the stream. */
  read(start: number, n: number): Int32Array {
    const buf = Buffer.alloc(n * this.item);
    readSync(this.fd, buf, 0, buf.length, start * this.item);
    return this.ids(buf);
  }

  /** `read` on the thread pool, so a computation can go on meanwhile. */
  readAsync(start: number, n: number): Promise<Int32Array> {
    const buf = Buffer.alloc(n * this.item);
    return new Promise((resolve, reject) =>
      read(this.fd, buf, 0, buf.length, start * this.item, (e) => (e ? reject(e) : resolve(this.ids(buf)))),
    );
  }

  private ids(buf: Buffer): Int32Array {
    const n = buf.length / this.item;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.item === 2 ? buf.readUInt16LE(2 * i) : buf.readInt32LE(4 * i);
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads and validates `prefix.idx` against `prefix.bin`. */
export function readMegatronIndex(prefix: string): MegatronIndex {
  const remedy = 're-run moe tokenize to rewrite the shards';
  const fail = (what: string): never => {
    throw new DataError(`${prefix}.idx: ${what}`, remedy);
  };
  let idx: Buffer;
  let binSize: number;
  try {
    const fd = openSync(`${prefix}.idx`, 'r');
    const size = fstatSync(fd).size;
    idx = Buffer.alloc(size);
    readSync(fd, idx, 0, size, 0);
    closeSync(fd);
    const b = openSync(`${prefix}.bin`, 'r');
    binSize = fstatSync(b).size;
    closeSync(b);
  } catch (e) {
    throw new DataError(`cannot read ${prefix}.idx/.bin: ${(e as Error).message}`, remedy);
  }
  if (idx.length < 34 || !idx.subarray(0, 9).equals(MAGIC)) fail('bad magic (not a Megatron MMIDIDX index)');
  const version = idx.readBigUInt64LE(9);
  if (version !== 1n) fail(`version ${version}, expected 1`);
  const dtype = idx.readUInt8(17);
  if (dtype !== DTYPE_UINT16 && dtype !== DTYPE_INT32) fail(`dtype code ${dtype}: moe reads 8 (uint16) and 4 (int32)`);
  const s = Number(idx.readBigUInt64LE(18));
  const d1 = Number(idx.readBigUInt64LE(26));
  const expected = 34 + 12 * s + 8 * d1;
  if (idx.length !== expected)
    fail(`size ${idx.length} bytes, but ${s} sequences and ${d1 - 1} documents need ${expected} (truncated?)`);
  const lengths = new Int32Array(s);
  const starts = new Float64Array(s);
  const size = itemSize(dtype);
  let tokens = 0;
  for (let i = 0; i < s; i++) {
    lengths[i] = idx.readInt32LE(34 + 4 * i);
    if (lengths[i]! < 0) fail(`sequence ${i} has a negative length`);
    const pointer = Number(idx.readBigInt64LE(34 + 4 * s + 8 * i));
    if (pointer !== tokens * size) fail(`sequence ${i} starts at byte ${pointer}, expected ${tokens * size}`);
    starts[i] = tokens;
    tokens += lengths[i]!;
  }
  for (let i = 0; i < d1; i++) {
    const doc = Number(idx.readBigInt64LE(34 + 12 * s + 8 * i));
    if (doc !== i) fail(`document index ${i} is ${doc}, expected ${i} (one sequence per document)`);
  }
  if (binSize !== tokens * size)
    fail(`.bin holds ${binSize} bytes but the index describes ${tokens * size} (truncated .bin?)`);
  return { dtype, lengths, starts, tokens };
}

/** The token ids of sequence `i`. */
export function readSequence(prefix: string, index: MegatronIndex, i: number): number[] {
  const size = itemSize(index.dtype);
  const n = index.lengths[i]!;
  const buf = Buffer.alloc(n * size);
  const fd = openSync(`${prefix}.bin`, 'r');
  try {
    readSync(fd, buf, 0, buf.length, index.starts[i]! * size);
  } finally {
    closeSync(fd);
  }
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(size === 2 ? buf.readUInt16LE(2 * k) : buf.readInt32LE(4 * k));
  return out;
}

/** `prefix.bin`'s ids in order, a 16 MiB read at a time, with the position of each chunk's first id; stops when `visit` returns true. */
function scanIds(
  prefix: string,
  index: MegatronIndex,
  /** Returns true to stop. */
  visit: (ids: Uint16Array | Int32Array, at: number) => boolean,
): void {
  const size = itemSize(index.dtype);
  const buf = Buffer.alloc((16 << 20) - ((16 << 20) % size));
  const fd = openSync(`${prefix}.bin`, 'r');
  try {
    let at = 0;
    for (let n = readSync(fd, buf, 0, buf.length, 0); n > 0; n = readSync(fd, buf, 0, buf.length, at * size)) {
      const ids =
        size === 2
          ? new Uint16Array(buf.buffer, buf.byteOffset, n >> 1)
          : new Int32Array(buf.buffer, buf.byteOffset, n >> 2);
      if (visit(ids, at)) return;
      at += ids.length;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The first token id of `prefix.bin` outside [0, vocab), with its position, or undefined: one
 * streaming pass, so a corrupt or foreign shard is refused before training rather than when a
 * random window happens to reach the bad id.
 */
export function findIdOutside(
  prefix: string,
  index: MegatronIndex,
  vocab: number,
): { id: number; at: number } | undefined {
  if (itemSize(index.dtype) === 2 && vocab >= 65536) return undefined;
  let bad: { id: number; at: number } | undefined;
  scanIds(prefix, index, (ids, at) => {
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i]! >= 0 && ids[i]! < vocab)) {
        bad = { id: ids[i]!, at: at + i };
        return true;
      }
    }
    return false;
  });
  return bad;
}

/** How often each id occurs in `prefix.bin` (ids at or beyond `vocab` are not counted): one streaming pass. */
export function tokenCounts(prefix: string, index: MegatronIndex, vocab: number): Float64Array {
  const counts = new Float64Array(vocab);
  scanIds(prefix, index, (ids) => {
    for (let i = 0; i < ids.length; i++) if (ids[i]! >= 0 && ids[i]! < vocab) counts[ids[i]!]! += 1;
    return false; // read on to the end
  });
  return counts;
}

/** `shards.json`: what `moe tokenize` wrote beside the shards. */
export interface ShardsInfo {
  tokenizer_sha256: string;
  vocab_size: number;
  dtype: 'uint16' | 'int32';
  eot_id: number;
  val_fraction: number;
  splits: Record<'train' | 'val', { prefix: string; docs: number; tokens: number }>;
}

/** Reads a shard folder's `shards.json`: missing, not JSON, or without its splits, it says which. */
export function readShardsInfo(dir: string): ShardsInfo {
  const path = join(dir, 'shards.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    if (!existsSync(dir))
      throw new UserError(`${dir} not found`, 'pass a folder written by moe tokenize (e.g. runs/demo/shards)');
    throw new UserError(`${dir} has no shards.json`, 'pass a folder written by moe tokenize (e.g. runs/demo/shards)');
  }
  const again = 're-run moe tokenize to rewrite the shards';
  let info: ShardsInfo;
  try {
    info = JSON.parse(text) as ShardsInfo;
  } catch (e) {
    throw new DataError(`${path}: ${jsonProblem(e)}`, again);
  }
  const split = (s: unknown): boolean =>
    typeof s === 'object' &&
    s !== null &&
    typeof (s as { prefix?: unknown }).prefix === 'string' &&
    typeof (s as { tokens?: unknown }).tokens === 'number';
  if (typeof info?.vocab_size !== 'number' || !split(info.splits?.train) || !split(info.splits?.val)) {
    throw new DataError(`${path} lacks vocab_size or the train and val splits`, again);
  }
  return info;
}
