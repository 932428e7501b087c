import { describe, expect, it } from 'vitest';
import { parseHttpResponse, readWarc } from '../../../src/io/warc.js';

function record(type: string, block: string, extra = ''): string {
  return `WARC/1.0\r\nWARC-Type: ${type}\r\n${extra}Content-Length: ${Buffer.byteLength(block)}\r\n\r\n${block}\r\n\r\n`;
}

async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(data: Buffer, size = 7): Promise<{ types: string[]; blocks: string[]; errors: string[] }> {
  const errors: string[] = [];
  const types: string[] = [];
  const blocks: string[] = [];
  for await (const r of readWarc(chunks(data, size), (e) => errors.push(e))) {
    types.push(r.headers.get('warc-type')!);
    blocks.push(r.block.toString());
  }
  return { types, blocks, errors };
}

describe('readWarc', () => {
  it('reads records across arbitrary chunk boundaries, with multi-line headers', async () => {
    const data = Buffer.from(
      record('warcinfo', 'a: b\r\n') +
        record('response', 'HTTP/1.1 200 OK\r\n\r\n<p>hi</p>', 'WARC-Target-URI: http://x.example/\r\n  continued\r\n'),
    );
    for (const size of [1, 3, 64, 4096]) {
      const r = await collect(data, size);
      expect(r.types).toEqual(['warcinfo', 'response']);
      expect(r.blocks[1]).toBe('HTTP/1.1 200 OK\r\n\r\n<p>hi</p>');
      expect(r.errors).toEqual([]);
    }
  });

  it('reports a malformed header with its offset and recovers at the next record', async () => {
    const bad = 'WARC/1.0\r\nWARC-Type response\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n';
    const r = await collect(Buffer.from(bad + record('resource', 'kept')));
    expect(r.types).toEqual(['resource']);
    expect(r.blocks).toEqual(['kept']);
    expect(r.errors).toEqual(['malformed WARC header at offset 0: bad header line "WARC-Type response"']);
  });

  it('rejects a bad Content-Length and a bad version line', async () => {
    const r = await collect(
      Buffer.from(`WARC/1.0\r\nWARC-Type: x\r\nContent-Length: -1\r\n\r\n${record('resource', 'ok')}`),
    );
    expect(r.errors[0]).toContain('missing or invalid Content-Length');
    expect(r.blocks).toEqual(['ok']);
    const v = await collect(Buffer.from('HTTP/1.1 200 OK\r\nX: y\r\n\r\n'));
    expect(v.errors[0]).toContain('bad version line');
  });

  it('throws on a record cut short, after yielding the complete ones', async () => {
    const full = record('resource', 'first') + record('resource', 'second-record-body');
    const cut = Buffer.from(full.slice(0, full.length - 12));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const r of readWarc(chunks(cut, 5), () => {})) seen.push(r.block.toString());
      })(),
    ).rejects.toThrow(/truncated WARC record at offset \d+: \d+ of 18 content bytes/);
    expect(seen).toEqual(['first']);
  });

  it('reports an empty stream', async () => {
    expect((await collect(Buffer.alloc(0))).errors).toEqual(['no WARC records (empty file)']);
  });
});

describe('parseHttpResponse', () => {
  it('splits status, headers and body', () => {
    const r = parseHttpResponse(
      Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>x</p>'),
    )!;
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.body.toString()).toBe('<p>x</p>');
    expect(parseHttpResponse(Buffer.from('not http\r\n\r\nbody'))).toBeUndefined();
  });
});
