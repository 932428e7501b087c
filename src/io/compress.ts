/**
 * Opens input files as streams of decompressed bytes. Compression is recognised by magic
 * number (gzip 1f 8b, zstd 28 b5 2f fd), not by file name, so a mislabelled file still reads.
 * gzip uses node:zlib, which continues across concatenated members (Common Crawl's multi-member
 * WARC.gz); zstd uses fzstd's streaming decoder, since Node 20's zlib has no zstd.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export type Compression = 'gzip' | 'zstd' | 'none';

/** Reads the first bytes of a file (fewer if the file is shorter). */
export async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** Strips `.gz` / `.zst` / `.zstd` from a file name, to see what is inside. */
export function innerName(name: string): string {
  return name.replace(/\.(gz|zst|zstd)$/i, '');
}

/** Compressed bytes given to the zstd decoder at a time (it buffers them until a block is whole). */
const ZSTD_FEED = 1024;

async function* zstdChunks(source: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
  // loaded on the first zstd input (most runs read none, and a worker thread reads no file)
  const { Decompress } = await import('fzstd');
  const out: Uint8Array[] = [];
  const d = new Decompress((chunk) => {
    out.push(chunk);
  });
  let sawInput = false;
  for await (const chunk of source) {
    sawInput = true;
    // fzstd inflates all it is given at once, and a 4-byte RLE block holds 128 KiB: fed a 1 MiB
    // read of a zstd bomb it held 1 GiB; fed ZSTD_FEED bytes at a time it holds at most 32 MiB
    for (let at = 0; at < chunk.length; at += ZSTD_FEED) {
      d.push(chunk.subarray(at, at + ZSTD_FEED));
      while (out.length) yield out.shift()!;
    }
  }
  if (!sawInput) throw new Error('empty zstd stream');
  try {
    d.push(new Uint8Array(0), true);
  } catch {
    throw new Error('truncated zstd stream (unexpected end of data)');
  }
  while (out.length) yield out.shift()!;
}

/**
 * Read and decompression buffer sizes: with the streams' defaults (64 KiB reads, 16 KiB of output
 * per chunk) reading a 50 MB gzip part took 290–490 ms, with these 110–130 ms (3,400 → 214 chunks).
 */
const READ_BYTES = 1 << 20;
const GUNZIP_CHUNK_BYTES = 1 << 18;

async function* gzipChunks(path: string): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  const file = createReadStream(path, { highWaterMark: READ_BYTES });
  file.on('error', (e) => gunzip.destroy(e));
  file.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw new Error('truncated gzip stream (unexpected end of file)');
    if (code === 'Z_DATA_ERROR') throw new Error(`corrupt gzip data (${(e as Error).message})`);
    throw e;
  } finally {
    file.destroy();
  }
}

/** The decompressed bytes of a file, streamed in chunks; throws on corrupt or truncated data. */
export async function* openBytes(path: string, compression?: Compression): AsyncGenerator<Uint8Array> {
  const kind = compression ?? compressionOf(await readHead(path, 4));
  if (kind === 'gzip') yield* gzipChunks(path);
  else if (kind === 'zstd') {
    try {
      yield* zstdChunks(createReadStream(path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>);
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.startsWith('truncated') || msg.startsWith('empty') ? msg : `corrupt zstd data (${msg})`);
    }
  } else yield* createReadStream(path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>;
}

/**
 * Up to `n` decompressed bytes from the start of a file, for sniffing its content; fewer when
 * the file is shorter, and what could be read when it is corrupt (the full read reports that).
 */
export async function readDecompressedHead(path: string, n: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let got = 0;
  try {
    for await (const c of openBytes(path)) {
      parts.push(c);
      got += c.length;
      if (got >= n) break;
    }
  } catch {
    /* keep what was read */
  }
  return Buffer.concat(parts).subarray(0, n);
}

/**
 * Splits a byte stream into lines (without the trailing `\n` or `\r\n`), as Buffers. A line
 * spanning many chunks is kept as its pieces and joined once: a long line costs its length, not
 * its length times the number of chunks. (`splitBoundedLines` with no limit: it never yields a
 * `TooLong`.)
 */
export function splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  return splitBoundedLines(chunks, Number.POSITIVE_INFINITY) as AsyncGenerator<Buffer>;
}

/** A line longer than the limit of `splitBoundedLines`: only its length is kept. */
export interface TooLong {
  tooLong: number;
}

/**
 * `splitLines` for inputs nobody has checked: a line longer than `maxBytes` is never held in
 * memory; its bytes are dropped as they arrive and a `TooLong` with its length takes its place
 * (a 2 GB line, or a gzip bomb of zeros with no newline at all, costs at most `maxBytes`).
 */
export async function* splitBoundedLines(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Buffer | TooLong> {
  let pieces: Buffer[] = [];
  let size = 0;
  let skipped = -1; // bytes of the line being dropped, or -1
  for await (const c of chunks) {
    const buf = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
      const end = nl - start;
      if (skipped >= 0 || size + end > maxBytes) {
        yield { tooLong: (skipped >= 0 ? skipped : size) + end };
      } else {
        let line = pieces.length ? Buffer.concat([...pieces, buf.subarray(start, nl)]) : buf.subarray(start, nl);
        if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
        yield line;
      }
      pieces = [];
      size = 0;
      skipped = -1;
      start = nl + 1;
    }
    const rest = buf.length - start;
    if (rest <= 0) continue;
    if (skipped >= 0) skipped += rest;
    else if (size + rest > maxBytes) {
      skipped = size + rest;
      pieces = [];
      size = 0;
    } else {
      pieces.push(Buffer.from(buf.subarray(start)));
      size += rest;
    }
  }
  if (skipped >= 0) yield { tooLong: skipped };
  else if (pieces.length) yield Buffer.concat(pieces);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Strict UTF-8 decoding: throws on invalid bytes instead of inserting U+FFFD. ASCII bytes are
 * copied as Latin-1 (several times faster here than V8's UTF-8 decoder, and the string is then
 * one byte per character, which every later scan of it is faster on).
 */
export function decodeUtf8(bytes: Uint8Array): string {
  if (isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return utf8.decode(bytes);
}
