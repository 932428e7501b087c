import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { decodeUtf8, openBytes, splitLines } from '../../../src/io/compress.js';
import { PartWriter, readDocs, readPart } from '../../../src/io/jsonl.js';
import { docsOf, FIXTURES, tmpDir } from '../../helpers.js';

const doc = (i: number, text = `document number ${i}`): Doc => ({ id: `d${i}`, text, source: 'web', metadata: { n: i } });

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
    expect(() => decodeUtf8(Buffer.from([0x61, 0xff]))).toThrow();
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
    expect(parts.map((p) => p.file.slice(dir.length + 1))).toEqual(parts.map((_, i) => `part-${String(i).padStart(5, '0')}.jsonl.gz`));
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
    expect(readFileSync(join(a, 'part-00000.jsonl.gz')).equals(readFileSync(join(b, 'part-00000.jsonl.gz')))).toBe(true);
  });
  it('reports the file and line of a malformed document', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'part-00000.jsonl.gz'), gzipSync('{"id":"a","text":"t","source":"web","metadata":{}}\n{"id":"b","text":5}\n'));
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
