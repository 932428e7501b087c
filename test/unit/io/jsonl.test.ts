import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { DataError } from '../../../src/core/errors.js';
import { decodeUtf8, openBytes, splitBoundedLines, splitLines } from '../../../src/io/compress.js';
import { PartWriter, parseChunk, readChunks, readDocs, readPart } from '../../../src/io/jsonl.js';
import { docsOf, FIXTURES, tmpDir } from '../../helpers.js';

const doc = (i: number, text = `document number ${i}`): Doc => ({
  id: `d${i}`,
  text,
  source: 'web',
  metadata: { n: i },
});

async function lines(data: Buffer, chunk: number): Promise<string[]> {
  async function* src(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  }
  const out: string[] = [];
  for await (const l of splitLines(src())) out.push(l.toString());
  return out;
}

describe('splitLines', () => {
  it('splits on LF and CRLF across chunk boundaries and keeps a last line without newline', async () => {
    const data = Buffer.from('one\r\ntwo\n\nthree');
    for (const chunk of [1, 2, 5, 100]) expect(await lines(data, chunk)).toEqual(['one', 'two', '', 'three']);
  });

  it('reads a line of many chunks in time linear in its length', async () => {
    const long = 'x'.repeat(8 << 20);
    const data = Buffer.from(`a\r\n${long}\r\nb`);
    const t0 = performance.now();
    const got = await lines(data, 1024); // 8,192 chunks for the long line: joining them at every chunk would copy ~32 GB
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(got.map((l) => l.length)).toEqual([1, long.length, 1]);
    expect(got[1]).toBe(long);
  });
});

describe('readChunks', () => {
  const cutsOf = async (dir: string): Promise<Array<[number, number]>> => {
    const out: Array<[number, number]> = [];
    for await (const c of readChunks(dir)) out.push([c.firstLine, c.bytes.length]);
    return out;
  };

  it('cuts into the whole lines that fit in 1 MiB (a longer document alone), quickly', async () => {
    const dir = tmpDir();
    const docs = [
      doc(1),
      doc(2, 'y'.repeat(5 << 20)),
      ...Array.from({ length: 3000 }, (_, i) => doc(i + 3, `text ${i} `.repeat(100))),
    ];
    const lineBytes = docs.map((d) => Buffer.byteLength(`${JSON.stringify(d)}\n`));
    const raw = Buffer.from(docs.map((d) => `${JSON.stringify(d)}\n`).join(''));
    writeFileSync(join(dir, 'part-00000.jsonl.gz'), gzipSync(raw, { level: 1 }));
    const t0 = performance.now();
    const chunks = [];
    for await (const c of readChunks(dir)) chunks.push(c);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(Buffer.concat(chunks.map((c) => c.bytes)).equals(raw)).toBe(true);
    for (const c of chunks) expect(c.bytes[c.bytes.length - 1]).toBe(10);
    // the first document alone (the second does not fit beside it), then the 5 MiB one whole
    expect(chunks.map((c) => c.firstLine).slice(0, 3)).toEqual([1, 2, 3]);
    expect(chunks[0]!.bytes.length).toBe(lineBytes[0]);
    expect(chunks[1]!.bytes.length).toBe(lineBytes[1]);
    // the others hold as many lines as fit: at most 1 MiB, and the next line would not have fitted
    for (const [i, c] of chunks.slice(2).entries()) {
      expect(c.bytes.length).toBeLessThanOrEqual(1 << 20);
      const next = chunks[i + 3];
      if (next) expect(c.bytes.length + lineBytes[next.firstLine - 1]!).toBeGreaterThan(1 << 20);
    }
  });

  it('refuses a part file cut short, naming it, as a data error (readChunks and readPart)', async () => {
    const dir = tmpDir();
    const file = join(dir, 'part-00000.jsonl.gz');
    copyFileSync(join(FIXTURES, 'broken/truncated.jsonl.gz'), file);
    const drain = async (it: AsyncIterable<unknown>): Promise<void> => {
      for await (const _ of it) void _;
    };
    for (const read of [readChunks(dir), readPart(file)]) {
      const e = await drain(read).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).message).toBe(`${file}: truncated gzip stream (unexpected end of file)`);
      expect((e as DataError).hint).toBe('re-run the stage that wrote this folder');
    }
  });

  it('cuts at the same lines whatever the sizes the bytes are read in (plain: 1 MiB reads; gzip: 256 KiB)', async () => {
    const docs = [
      doc(1, 'z'.repeat(3 << 20)),
      ...Array.from({ length: 4000 }, (_, i) => doc(i + 2, `w${i} `.repeat(i % 700))),
    ];
    const raw = Buffer.from(docs.map((d) => `${JSON.stringify(d)}\n`).join(''));
    const plain = tmpDir();
    const gz = tmpDir();
    writeFileSync(join(plain, 'part-00000.jsonl.gz'), raw); // compression is by magic number: read as plain, 1 MiB at a time
    writeFileSync(join(gz, 'part-00000.jsonl.gz'), gzipSync(raw, { level: 1 })); // 256 KiB of output at a time
    const a = await cutsOf(plain);
    expect(await cutsOf(gz)).toEqual(a);
    expect(a.length).toBeGreaterThan(5);
    expect(a.reduce((n, [, b]) => n + b, 0)).toBe(raw.length);
  });
});

describe('openBytes', () => {
  it('reads plain, gzip (multi-member) and zstd by magic number', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'two-members.bin'), Buffer.concat([gzipSync('hello '), gzipSync('world')]));
    const read = async (p: string): Promise<string> => {
      const parts: Uint8Array[] = [];
      for await (const c of openBytes(p)) parts.push(c);
      return Buffer.concat(parts).toString();
    };
    expect(await read(join(dir, 'two-members.bin'))).toBe('hello world');
    const zst = await read(join(FIXTURES, 'web/docs.jsonl.zst'));
    const gz = await read(join(FIXTURES, 'web/docs.jsonl.gz'));
    expect(zst).toBe(gz);
    expect(zst.split('\n')).toHaveLength(6);
  });
  it('names truncated gzip and corrupt zstd streams', async () => {
    const drain = async (p: string): Promise<void> => {
      for await (const _ of openBytes(p)) void _;
    };
    await expect(drain(join(FIXTURES, 'broken/truncated.jsonl.gz'))).rejects.toThrow('truncated gzip stream');
    await expect(drain(join(FIXTURES, 'broken/corrupt.jsonl.zst'))).rejects.toThrow(/corrupt zstd data/);
  });
  it('decodeUtf8 is strict', () => {
    expect(decodeUtf8(Buffer.from('café'))).toBe('café');
    expect(decodeUtf8(Buffer.from('plain ASCII\u007f'))).toBe('plain ASCII\u007f');
    expect(decodeUtf8(Buffer.from('x😀y').subarray(1, 5))).toBe('😀');
    expect(() => decodeUtf8(Buffer.from([0x61, 0xff]))).toThrow();
    expect(() => decodeUtf8(Buffer.from([0xe2, 0x82]))).toThrow();
  });
  it('parseChunk reads each line alone: ASCII and not, blank lines skipped, a bad line named by file and line', () => {
    const line = (id: string, text: string): string => JSON.stringify({ id, text, source: 'web', metadata: {} });
    const bytes = Buffer.from(`${line('a', 'plain')}\n\n${line('b', 'naïve 日本')}\n`);
    expect(parseChunk({ file: 'p.jsonl.gz', firstLine: 7, bytes }).map((d) => [d.id, d.text])).toEqual([
      ['a', 'plain'],
      ['b', 'naïve 日本'],
    ]);
    const bad = Buffer.concat([
      Buffer.from(`${line('a', 'ok')}\n{"id":"b","text":"`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n'),
    ]);
    expect(() => parseChunk({ file: 'p.jsonl.gz', firstLine: 7, bytes: bad })).toThrow('p.jsonl.gz:8: not valid UTF-8');
    const broken = Buffer.from(`${line('a', 'ok')}\n\n{"id":\n`);
    expect(() => parseChunk({ file: 'p.jsonl.gz', firstLine: 1, bytes: broken })).toThrow(
      'p.jsonl.gz:3: not valid JSON',
    );
  });
});

describe('PartWriter', () => {
  it('round-trips documents, rolls parts at the byte bound and records sha256 of each part', async () => {
    const dir = tmpDir();
    const docs = Array.from({ length: 50 }, (_, i) => doc(i, 'x'.repeat(100 + i)));
    const w = new PartWriter({ dir, maxPartBytes: 1000 });
    for (const d of docs) await w.write(d);
    const parts = await w.close();
    const lineBytes = docs.map((d) => Buffer.byteLength(`${JSON.stringify(d)}\n`));
    expect(lineBytes.reduce((s, n) => s + n, 0)).toBe(parts.reduce((s, p) => s + p.bytes, 0));
    expect(parts.length).toBe(10);
    let first = 0;
    for (const p of parts.slice(0, -1)) {
      first += p.docs;
      expect(p.bytes).toBeLessThanOrEqual(1000);
      expect(p.bytes + lineBytes[first]!).toBeGreaterThan(1000); // rolled only when the next line would not fit
    }
    expect(parts.reduce((s, p) => s + p.docs, 0)).toBe(50);
    for (const p of parts) expect(createHash('sha256').update(readFileSync(p.file)).digest('hex')).toBe(p.sha256);
    expect(parts.map((p) => p.file.slice(dir.length + 1))).toEqual(
      parts.map((_, i) => `part-${String(i).padStart(5, '0')}.jsonl.gz`),
    );
    expect(await docsOf(dir)).toEqual(docs);
  });
  it('writes byte-identical parts for the same documents', async () => {
    const a = tmpDir();
    const b = tmpDir();
    for (const dir of [a, b]) {
      const w = new PartWriter({ dir });
      for (let i = 0; i < 3000; i++) await w.write(doc(i));
      await w.close();
    }
    expect(readFileSync(join(a, 'part-00000.jsonl.gz')).equals(readFileSync(join(b, 'part-00000.jsonl.gz')))).toBe(
      true,
    );
  });
  it('reports the file and line of a malformed document', async () => {
    const dir = tmpDir();
    writeFileSync(
      join(dir, 'part-00000.jsonl.gz'),
      gzipSync('{"id":"a","text":"t","source":"web","metadata":{}}\n{"id":"b","text":5}\n'),
    );
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const d of readPart(join(dir, 'part-00000.jsonl.gz'))) seen.push(d.id);
      })(),
    ).rejects.toThrow(/part-00000\.jsonl\.gz:2: missing string field "text"/);
    expect(seen).toEqual(['a']);
    await expect(docsOf(join(dir, 'nope'))).rejects.toThrow(/cannot read/);
    void readDocs;
  });
});

describe('splitBoundedLines', () => {
  async function* chunks(parts: string[]): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield Buffer.from(p);
  }
  const lines = async (parts: string[], max: number): Promise<Array<string | { tooLong: number }>> => {
    const out: Array<string | { tooLong: number }> = [];
    for await (const l of splitBoundedLines(chunks(parts), max)) out.push(Buffer.isBuffer(l) ? l.toString() : l);
    return out;
  };

  it('reads lines as splitLines does when none is too long', async () => {
    expect(await lines(['ab', 'c\r\nde\n', '\nf'], 8)).toEqual(['abc', 'de', '', 'f']);
  });

  it('replaces a line over the limit by its length, across chunks, at the end too, and keeps a line of exactly the limit', async () => {
    expect(await lines(['ab', 'c\nlongline', 'xxxxxxxxx', 'y\nok\r\n', 'tail-without-newline-too-long'], 8)).toEqual([
      'abc',
      { tooLong: 18 },
      'ok',
      { tooLong: 29 },
    ]);
    expect(await lines(['12345678\n123456789\n'], 8)).toEqual(['12345678', { tooLong: 9 }]);
  });
});
