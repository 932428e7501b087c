import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WARCRecord, WARCSerializer } from 'warcio';
import { describe, expect, it } from 'vitest';
import { docsOf, FIXTURES, moe, ROOT, tmpDir } from '../helpers.js';

describe('moe CLI', () => {
  it('--help lists the commands; each command has --help with an example; both exit 0', () => {
    const top = moe(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['ingest', 'filter', 'lm', 'classifier', 'curate', 'verify']) expect(top.stdout).toContain(c);
    for (const c of ['ingest', 'filter', 'curate', 'verify']) {
      const r = moe([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples?:\n {2}moe /);
    }
  });

  it('exits 1 with a one-line message and no stack on user errors', () => {
    const damaged = tmpDir();
    copyFileSync(join(FIXTURES, 'broken/truncated.jsonl.gz'), join(damaged, 'part-00000.jsonl.gz'));
    const notFile = tmpDir();
    mkdirSync(join(notFile, 'part-00000.jsonl.gz'));
    for (const [args, message] of [
      [['ingest', '--out', '/tmp/x'], "missing required argument 'path'"],
      [['ingest', 'nowhere', '--out', join(tmpDir(), 'o')], 'moe: error: input not found: nowhere'],
      [['ingest', FIXTURES, '--out', '/tmp/x', '--workers', '0'], 'expected a whole number from 1 to 1024'],
      [['ingest', FIXTURES, '--out', '/tmp/x', '--shard', '3/3'], 'moe: error: bad --shard "3/3"'],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['verify', tmpDir()], 'has no manifest.json or report.json'],
      // a stage folder whose part file was cut short: named, for every stage that reads parts
      [
        ['filter', '--in', damaged, '--out', join(tmpDir(), 'o')],
        `moe: error: ${join(damaged, 'part-00000.jsonl.gz')}: truncated gzip stream`,
      ],
      [
        ['dedup', '--in', damaged, '--out', join(tmpDir(), 'o'), '--db', join(tmpDir(), 'd.sqlite')],
        `moe: error: ${join(damaged, 'part-00000.jsonl.gz')}: truncated gzip stream`,
      ],
      [
        ['filter', '--in', notFile, '--out', join(tmpDir(), 'o')],
        `moe: error: ${join(notFile, 'part-00000.jsonl.gz')} is not a file`,
      ],
    ] as const) {
      const r = moe([...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a bad config exits 1 naming the key and the file', () => {
    const dir = tmpDir();
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'inputs: [x]\ningest:\n  web:\n    textFeild: body\n');
    const r = moe(['ingest', join(FIXTURES, 'web'), '--out', join(dir, 'o'), '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`moe: error: ${cfg}: unknown key "ingest.web.textFeild"`);
    const range = moe([
      'ingest',
      join(FIXTURES, 'web'),
      '--out',
      join(dir, 'o'),
      '--set',
      'ingest.code.maxFileBytes=-5',
    ]);
    expect(range.code).toBe(1);
    expect(range.stderr).toContain('--set: key "ingest.code.maxFileBytes"');
  });

  it('reads a WARC.gz written by an independent writer (warcio): one document per HTML response', async () => {
    const dir = tmpDir();
    const date = '2026-01-02T03:04:05Z';
    const page = (title: string): string =>
      `<html><head><title>${title}</title></head><body><nav><a href="/">Home</a></nav><article><h1>${title}</h1><p>This page was written by warcio, the WARC library of the Webrecorder project, and it should come out of moe as exactly one document with its heading and this paragraph, and nothing from the menu.</p></article></body></html>`;
    const body = (s: string) =>
      (async function* () {
        yield new TextEncoder().encode(s);
      })();
    const records = [
      await WARCRecord.createWARCInfo({ filename: 'x.warc.gz', warcVersion: 'WARC/1.1' }, { software: 'warcio.js' }),
      await WARCRecord.create(
        {
          url: 'https://a.example/',
          date,
          type: 'request',
          warcVersion: 'WARC/1.1',
          httpHeaders: { Host: 'a.example' },
        },
        body(''),
      ),
      await WARCRecord.create(
        {
          url: 'https://a.example/',
          date,
          type: 'response',
          warcVersion: 'WARC/1.1',
          httpHeaders: { 'Content-Type': 'text/html; charset="UTF-8"' },
        },
        body(page('First page')),
      ),
      await WARCRecord.create(
        {
          url: 'https://b.example/',
          date,
          type: 'response',
          warcVersion: 'WARC/1.1',
          httpHeaders: { 'Content-Type': 'text/html' },
        },
        body(page('Second page')),
      ),
      await WARCRecord.create(
        {
          url: 'https://b.example/data.json',
          date,
          type: 'response',
          warcVersion: 'WARC/1.1',
          httpHeaders: { 'Content-Type': 'application/json' },
        },
        body('{"a":1}'),
      ),
    ];
    const parts: Uint8Array[] = [];
    for (const r of records) parts.push(await WARCSerializer.serialize(r, { gzip: true }));
    const file = join(dir, 'warcio.warc.gz');
    writeFileSync(file, Buffer.concat(parts));
    const out = join(dir, 'out');
    expect(moe(['ingest', file, '--out', out, '--quiet']).code).toBe(0);
    const docs = await docsOf(out);
    expect(docs.map((d) => [d.id, d.metadata.url, d.metadata.date])).toEqual([
      ['warcio.warc.gz#2', 'https://a.example/', date],
      ['warcio.warc.gz#3', 'https://b.example/', date],
    ]);
    // the heading that repeats the page's <title> is metadata (metadata.title), not body text
    expect(docs[0]!.text.startsWith('This page was written by warcio')).toBe(true);
    expect(docs[0]!.metadata.title).toBe('First page');
    expect(docs[0]!.text).not.toContain('Home');
    expect(
      docs.every(
        (d) => typeof d.metadata.warc_record_id === 'string' && d.metadata.warc_record_id.startsWith('<urn:uuid:'),
      ),
    ).toBe(true);
  });

  it('curate runs ingest, filter, dedup, tokenizer training and tokenize into a run folder with a manifest that verify checks; tampering is caught', async () => {
    const models = tmpDir();
    expect(
      moe(['lm', 'train', '--in', join(FIXTURES, 'quality/clean-train.txt'), '--out', join(models, 'lm.bin')]).code,
    ).toBe(0);
    expect(
      moe([
        'classifier',
        'train',
        '--positive',
        join(FIXTURES, 'quality/clean-train.txt'),
        '--negative',
        join(FIXTURES, 'quality/junk-train.txt'),
        '--out',
        join(models, 'clf.bin'),
      ]).code,
    ).toBe(0);
    const sets = [
      '--set',
      `filter.models.perplexity=${join(models, 'lm.bin')}`,
      '--set',
      `filter.models.classifier=${join(models, 'clf.bin')}`,
    ];
    const run = join(tmpDir(), 'run');
    const r = moe(['curate', '--config', join(ROOT, 'configs/demo.yaml'), '--out', run, '--quiet', '--json', ...sets]);
    expect(r.code).toBe(0);
    // the deliberately broken fixtures: one line, not a warning each
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      expect.stringMatching(
        /^warning: 8 input problems \(the first: \S+broken\/2402\.00002\.tar\.gz: truncated gzip stream \(unexpected end of file\)\); each is listed under stats\.errors in the stage reports \(/,
      ),
    ]);
    const summary = JSON.parse(r.stdout) as {
      stages: { ingest: { docs_out: number; errors: number }; filter: { docs_in: number; docs_out: number } };
    };
    expect(summary.stages.ingest).toMatchObject({ docs_out: 174, errors: 8 });
    expect(summary.stages.filter.docs_in).toBe(174);
    expect(summary.stages.filter.docs_out).toBeGreaterThan(10);
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as {
      config_sha256: string;
      outputs: Array<{ file: string }>;
      inputs: unknown[];
      seed: number;
      stages: { filter: { learned_thresholds: Record<string, unknown> } };
    };
    expect(manifest.seed).toBe(1234);
    expect(manifest.outputs.map((o) => o.file)).toEqual([
      'ingest/part-00000.jsonl.gz',
      'filter/part-00000.jsonl.gz',
      'filter/rejected/part-00000.jsonl.gz',
      'dedup/part-00000.jsonl.gz',
      'dedup/removed/part-00000.jsonl.gz',
      'tokenizer.json',
      'shards/train_text_document.bin',
      'shards/train_text_document.idx',
      'shards/val_text_document.bin',
      'shards/val_text_document.idx',
      'shards/shards.json',
      'shards/tokenizer.json',
    ]);
    expect(Object.keys(manifest.stages.filter.learned_thresholds)).toEqual(['perplexity']);
    expect(manifest.inputs.length).toBeGreaterThan(20);
    expect(moe(['verify', run]).code).toBe(0);
    // a second run in another folder gives the same manifest, byte for byte
    const run2 = join(tmpDir(), 'run2');
    moe(['curate', '--config', join(ROOT, 'configs/demo.yaml'), '--out', run2, '--quiet', '--workers', '1', ...sets]);
    expect(readFileSync(join(run2, 'manifest.json'), 'utf8')).toBe(readFileSync(join(run, 'manifest.json'), 'utf8'));
    writeFileSync(join(run, 'ingest/part-00000.jsonl.gz'), gzipSync('{}\n'));
    const bad = moe(['verify', run]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ingest/part-00000.jsonl.gz: sha256');
    expect(bad.stderr).toContain('moe: error: 1 of 12 files in');
  });
});
