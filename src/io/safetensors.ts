/**
 * safetensors (Hugging Face's tensor file format): an 8-byte little-endian header length N, an
 * N-byte JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`
 * padded with spaces to a multiple of 8, then the tensors' bytes back to back. Written under a
 * temporary name and renamed; validated on read (header, dtypes, shapes against byte ranges,
 * ranges inside the file and not overlapping) with a remedy hint.
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import { writeFileAtomic } from './files.js';

export type SafeDtype = 'F32' | 'I32';

export interface Tensor {
  dtype: SafeDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A tensor as written for other tools: also bfloat16 (its bits, as 16-bit integers). */
export type WritableTensor = Tensor | { dtype: 'BF16'; shape: number[]; data: Uint16Array };

const BYTES: Record<SafeDtype, number> = { F32: 4, I32: 4 };

/** float32 → bfloat16 bits, rounded to nearest even (NaN stays NaN), as PyTorch's `.to(torch.bfloat16)`. */
export function toBf16(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < bits.length; i++) {
    const u = bits[i]!;
    out[i] = (u & 0x7fffffff) > 0x7f800000 ? (u >>> 16) | 0x40 : (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Writes tensors in the given order, with string metadata. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, WritableTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new Error(`tensor ${name}: shape [${t.shape}] holds ${n} values, data has ${t.data.length}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const parts = [
    head,
    Buffer.from(json),
    ...Object.values(tensors).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ];
  await writeFileAtomic(path, Buffer.concat(parts));
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export function readSafetensors(path: string, remedy = 'the file is damaged; use another checkpoint'): SafetensorsFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new DataError(`cannot read ${path}`, remedy);
  }
  const fail = (what: string): never => {
    throw new DataError(`${path}: ${what}`, remedy);
  };
  if (buf.length < 8) fail('shorter than a safetensors header');
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) fail(`header of ${n} bytes runs past the end of the file (truncated?)`);
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + n));
  } catch {
    return fail('the header is not JSON');
  }
  const dataStart = 8 + n;
  const tensors = new Map<string, Tensor>();
  const ranges: Array<[number, number, string]> = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (e.dtype !== 'F32' && e.dtype !== 'I32') fail(`tensor ${name} has dtype ${e.dtype}; moe reads F32 and I32`);
    const [begin, end] = e.data_offsets ?? [];
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin! < 0 || end! < begin!)
      fail(`tensor ${name} has bad data_offsets`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (count * BYTES[e.dtype as SafeDtype] !== end! - begin!)
      fail(`tensor ${name}: shape [${e.shape}] does not match its ${end! - begin!} bytes`);
    if (dataStart + end! > buf.length) fail(`tensor ${name} runs past the end of the file (truncated?)`);
    ranges.push([begin!, end!, name]);
    const bytes = new Uint8Array(buf.subarray(dataStart + begin!, dataStart + end!)).buffer;
    tensors.set(name, {
      dtype: e.dtype as SafeDtype,
      shape: e.shape,
      data: e.dtype === 'F32' ? new Float32Array(bytes) : new Int32Array(bytes),
    });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++)
    if (ranges[i]![0] < ranges[i - 1]![1]) fail(`tensors ${ranges[i - 1]![2]} and ${ranges[i]![2]} overlap`);
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}
