/**
 * Reading tar archives (optionally gzip/zstd-compressed) with tar-stream, which handles the
 * ustar, pax and GNU long-name variants arXiv's source tarballs use. Entries are yielded one at a
 * time, so only the files the caller keeps are held in memory.
 */
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { openBytes } from './compress.js';

export interface TarFile {
  name: string;
  data: Buffer;
}

/** True when a 512-byte block looks like a tar header (checksum matches). */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < 512) return false;
  const field = Buffer.from(block.subarray(148, 156)).toString('latin1').replace(/\0.*$/s, '').trim();
  const stored = Number.parseInt(field, 8);
  if (!Number.isFinite(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === stored;
}

/**
 * The regular files of an archive for which `want(name, size)` is true. Throws on a truncated
 * or corrupt archive (after yielding the entries read before the damage).
 */
export async function* readTar(path: string, want: (name: string, size: number) => boolean): AsyncGenerator<TarFile> {
  yield* entries(Readable.from(openBytes(path)), want);
}

/** The same for an archive already in memory (a member of a bulk archive). */
export async function* readTarBytes(
  bytes: Uint8Array,
  want: (name: string, size: number) => boolean,
): AsyncGenerator<TarFile> {
  yield* entries(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), want);
}

async function* entries(source: Readable, want: (name: string, size: number) => boolean): AsyncGenerator<TarFile> {
  const extract = tar.extract();
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract);
  for await (const entry of extract) {
    const { name, size = 0, type } = entry.header;
    if (type !== 'file' || !want(name, size)) {
      entry.resume();
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    yield { name, data: Buffer.concat(chunks) };
  }
}
