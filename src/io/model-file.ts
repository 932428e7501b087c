/**
 * The binary container of `lm.bin`, `clf.bin` and dedup signature parts: little-endian, 8-byte aligned arrays after a
 * JSON header, validated on read (magic, version, kind, array sizes) with a remedy hint.
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 8 | magic `MOEMODEL` |
 * | 8 | 4 | version, uint32 = 1 |
 * | 12 | 4 | header length H, uint32 |
 * | 16 | H | header, UTF-8 JSON: `{kind, meta, arrays: [{name, dtype, length}]}` |
 * | 16+H … | | padding to a multiple of 8, then each array in order, each padded to 8 |
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import { writeFileAtomic } from './files.js';

const MAGIC = 'MOEMODEL';
const VERSION = 1;

type Typed = Float64Array | Float32Array | Uint32Array | Int32Array | BigInt64Array;
const DTYPES = { f64: Float64Array, f32: Float32Array, u32: Uint32Array, i32: Int32Array, i64: BigInt64Array } as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: Typed): DType {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof BigInt64Array) return 'i64';
  return 'i32';
}

const pad8 = (n: number): number => (n + 7) & ~7;

export interface ModelFile {
  kind: string;
  meta: Record<string, unknown>;
  arrays: Record<string, Typed>;
}

export async function writeModelFile(path: string, model: ModelFile): Promise<void> {
  const entries = Object.entries(model.arrays);
  const header = Buffer.from(
    JSON.stringify({
      kind: model.kind,
      meta: model.meta,
      arrays: entries.map(([name, a]) => ({ name, dtype: dtypeOf(a), length: a.length })),
    }),
  );
  let size = pad8(16 + header.length);
  for (const [, a] of entries) size += pad8(a.byteLength);
  const out = Buffer.alloc(size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(VERSION, 8);
  out.writeUInt32LE(header.length, 12);
  header.copy(out, 16);
  let at = pad8(16 + header.length);
  for (const [, a] of entries) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, at);
    at += pad8(a.byteLength);
  }
  await writeFileAtomic(path, out);
}

/** Reads and validates a model file; `kind` must match (an LM is not a classifier). */
export function readModelFile(path: string, kind: string, remedy: string): ModelFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new DataError(`cannot read model ${path}`, remedy);
  }
  const fail = (what: string): never => {
    throw new DataError(`${path} is not a valid ${kind} model: ${what}`, remedy);
  };
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) fail('bad magic (not a moe model file)');
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) fail(`version ${version}, expected ${VERSION}`);
  const hlen = buf.readUInt32LE(12);
  if (16 + hlen > buf.length) fail('header runs past the end of the file (truncated?)');
  let header: {
    kind: string;
    meta: Record<string, unknown>;
    arrays: Array<{ name: string; dtype: DType; length: number }>;
  };
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + hlen));
  } catch {
    return fail('unreadable header');
  }
  if (header.kind !== kind) fail(`it holds a "${header.kind}" model`);
  const arrays: Record<string, Typed> = {};
  let at = pad8(16 + hlen);
  for (const a of header.arrays) {
    const Ctor = DTYPES[a.dtype];
    if (!Ctor) fail(`unknown dtype ${a.dtype}`);
    const bytes = a.length * Ctor.BYTES_PER_ELEMENT;
    if (at + bytes > buf.length) fail(`array "${a.name}" runs past the end of the file (truncated?)`);
    // copy into an aligned buffer of its own
    arrays[a.name] = new Ctor(new Uint8Array(buf.subarray(at, at + bytes)).buffer);
    at += pad8(bytes);
  }
  if (at !== buf.length) fail(`${buf.length - at} unexpected bytes at the end`);
  return { kind: header.kind, meta: header.meta, arrays };
}
