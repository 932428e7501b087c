/**
 * A streaming WARC 1.0/1.1 record reader (ISO 28500). Works on the decompressed bytes of
 * `.warc`, `.warc.gz` (one gzip member per record, as Common Crawl writes them) and WET files.
 * A malformed record header is reported through `onError` with its byte offset; the reader then
 * resynchronises on the next `WARC/` line, so one bad record does not lose the rest of the file.
 * A record cut short by the end of the file is an error (never a silently truncated document).
 */
import { printable } from '../core/errors.js';

export interface WarcRecord {
  /** Header names lower-cased. */
  headers: Map<string, string>;
  block: Buffer;
  /** Offset of the record in the decompressed stream. */
  offset: number;
  /** Set when the block was longer than `maxBlockBytes`: its length; `block` is then empty. */
  oversize?: number;
}

class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;
  /** Absolute stream offset of the first queued byte. */
  offset = 0;

  push(chunk: Uint8Array): void {
    const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Joins the queue into one buffer (cheap when it is one chunk already). */
  view(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  take(n: number): Buffer {
    const v = this.view();
    const out = v.subarray(0, n);
    this.chunks = n < v.length ? [v.subarray(n)] : [];
    this.length -= n;
    this.offset += n;
    return out;
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');
const HEADER_END_LF = Buffer.from('\n\n');
const VERSION_LINE = /^WARC\/\d+\.\d+$/;

function parseHeaders(text: string): Map<string, string> | string {
  const lines = text.split(/\r?\n/);
  if (!VERSION_LINE.test(lines[0]?.trim() ?? '')) return `bad version line "${printable(lines[0] ?? '', 40)}"`;
  const headers = new Map<string, string>();
  let lastKey: string | undefined;
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && lastKey) {
      headers.set(lastKey, `${headers.get(lastKey)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return `bad header line "${printable(line)}"`;
    lastKey = line.slice(0, colon).trim().toLowerCase();
    headers.set(lastKey, line.slice(colon + 1).trim());
  }
  const len = headers.get('content-length');
  if (len === undefined || !/^\d+$/.test(len)) return 'missing or invalid Content-Length';
  return headers;
}

/** Skips whitespace between records; returns false if the queue holds only whitespace. */
function skipSeparators(q: ByteQueue): void {
  const v = q.view();
  let i = 0;
  while (i < v.length && (v[i] === 0x0d || v[i] === 0x0a)) i++;
  if (i) q.take(i);
}

/** Drops bytes up to the next line that starts with `WARC/` (after a malformed header). */
function resync(q: ByteQueue): boolean {
  const v = q.view();
  const at = v.indexOf('\nWARC/', 1);
  if (at < 0) {
    q.take(Math.max(0, v.length - 6));
    return false;
  }
  q.take(at + 1);
  return true;
}

/**
 * Yields the records of a decompressed WARC byte stream. Malformed headers go to `onError` and
 * are skipped; a truncated final record throws. A block longer than `maxBlockBytes` is never
 * held: its bytes are dropped as they arrive and the record comes with `oversize` set.
 */
export async function* readWarc(
  chunks: AsyncIterable<Uint8Array>,
  onError: (reason: string) => void,
  maxBlockBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<WarcRecord> {
  const q = new ByteQueue();
  const it = chunks[Symbol.asyncIterator]();
  let eof = false;
  const more = async (): Promise<boolean> => {
    if (eof) return false;
    const r = await it.next();
    if (r.done) {
      eof = true;
      return false;
    }
    q.push(r.value);
    return true;
  };
  let sawRecord = false;
  for (;;) {
    skipSeparators(q);
    while (q.length === 0) {
      if (!(await more())) {
        if (!sawRecord) onError('no WARC records (empty file)');
        return;
      }
      skipSeparators(q);
    }
    let v = q.view();
    let end = v.indexOf(HEADER_END);
    let sepLen = 4;
    while (end < 0) {
      const lf = v.indexOf(HEADER_END_LF);
      if (lf >= 0) {
        end = lf;
        sepLen = 2;
        break;
      }
      if (v.length > 1 << 20) break;
      if (!(await more())) throw new Error(`truncated WARC record header at offset ${q.offset}`);
      v = q.view();
      end = v.indexOf(HEADER_END);
    }
    const offset = q.offset;
    const headers = end < 0 ? 'header block too long' : parseHeaders(v.subarray(0, end).toString('utf8'));
    if (typeof headers === 'string') {
      onError(`malformed WARC header at offset ${offset}: ${headers}`);
      while (!resync(q)) if (!(await more())) return;
      continue;
    }
    const length = Number(headers.get('content-length'));
    q.take(end + sepLen);
    if (length > maxBlockBytes) {
      for (let left = length; left > 0; ) {
        if (q.length === 0 && !(await more()))
          throw new Error(`truncated WARC record at offset ${offset}: ${length - left} of ${length} content bytes`);
        const n = Math.min(left, q.length);
        q.take(n);
        left -= n;
      }
      sawRecord = true;
      yield { headers, block: Buffer.alloc(0), offset, oversize: length };
      continue;
    }
    while (q.length < length) {
      if (!(await more()))
        throw new Error(`truncated WARC record at offset ${offset}: ${q.length} of ${length} content bytes`);
    }
    const block = Buffer.from(q.take(length));
    sawRecord = true;
    yield { headers, block, offset };
  }
}

/** An HTTP response message split into status, headers and body. */
export interface HttpResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

export function parseHttpResponse(block: Buffer): HttpResponse | undefined {
  let end = block.indexOf(HEADER_END);
  let sep = 4;
  if (end < 0) {
    end = block.indexOf(HEADER_END_LF);
    sep = 2;
  }
  if (end < 0) return undefined;
  const lines = block.subarray(0, end).toString('latin1').split(/\r?\n/);
  const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(lines[0] ?? '');
  if (!status) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(status[1]), headers, body: block.subarray(end + sep) };
}
