import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get_encoding } from 'tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script shared with the benchmarks
import { tiktokenToHf } from '../../scripts/tiktoken-to-hf.mjs';
import { docsOf, FIXTURES, moe, tmpDir } from '../helpers.js';
import { readMegatronIndex, readSequence } from '../../src/io/megatron.js';
import { isValidation } from '../../src/tokenizer/task.js';

let base: string;
let tokenizer: string;
let ingested: string;
beforeAll(() => {
  // shared by the tests of this file (tmpDir() folders are removed after each test)
  const dir = (base = mkdtempSync(join(tmpdir(), 'moe-tokenize-')));
  tokenizer = join(dir, 'gpt2.json');
  writeFileSync(tokenizer, JSON.stringify(tiktokenToHf('gpt2')));
  ingested = join(dir, 'ingest');
  expect(moe(['ingest', FIXTURES, '--out', ingested, '--quiet']).code).toBe(0);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('moe tokenize', () => {
  it('writes train and validation shards in input order, each document ending with end-of-text', async () => {
    const out = join(tmpDir(), 'shards');
    const r = moe([
      'tokenize',
      '--in',
      ingested,
      '--tokenizer',
      tokenizer,
      '--out',
      out,
      '--val-fraction',
      '0.25',
      '--quiet',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const docs = await docsOf(ingested);
    const val = docs.filter((d) => isValidation(d.id, 0.25));
    const train = docs.filter((d) => !isValidation(d.id, 0.25));
    expect(val.length).toBeGreaterThan(3);
    const enc = get_encoding('gpt2');
    try {
      for (const [split, expected] of [
        ['train', train],
        ['val', val],
      ] as const) {
        const prefix = join(out, `${split}_text_document`);
        const index = readMegatronIndex(prefix);
        expect(index.lengths.length).toBe(expected.length);
        for (const [i, d] of expected.entries()) {
          expect(readSequence(prefix, index, i)).toEqual([...enc.encode_ordinary(d.text), 50256]);
        }
      }
    } finally {
      enc.free();
    }
    const shards = JSON.parse(readFileSync(join(out, 'shards.json'), 'utf8'));
    expect(shards).toMatchObject({ vocab_size: 50257, dtype: 'uint16', eot_id: 50256, val_fraction: 0.25 });
    expect(shards.splits.train.docs).toBe(train.length);
    expect(shards.splits.val.docs).toBe(val.length);
    expect(JSON.parse(r.stdout).splits).toEqual(shards.splits);
    const inspect = moe(['shards', 'inspect', out, '--doc', '0', '--json']);
    const first = JSON.parse(inspect.stdout);
    expect(first.doc.text).toBe(`${train[0]!.text}<|endoftext|>`);
  });

  it('--val-fraction 0 puts every document in train; --workers 1 and 2 write identical shards', () => {
    const dir = tmpDir();
    for (const w of ['1', '2'])
      expect(
        moe([
          'tokenize',
          '--in',
          ingested,
          '--tokenizer',
          tokenizer,
          '--out',
          join(dir, w),
          '--val-fraction',
          '0',
          '--workers',
          w,
          '--quiet',
        ]).code,
      ).toBe(0);
    for (const f of [
      'train_text_document.bin',
      'train_text_document.idx',
      'val_text_document.bin',
      'val_text_document.idx',
      'shards.json',
    ]) {
      expect(readFileSync(join(dir, '2', f)).equals(readFileSync(join(dir, '1', f))), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, '1', 'shards.json'), 'utf8')).splits.val).toMatchObject({
      docs: 0,
      tokens: 0,
    });
  });

  it('reports a corrupt shard, a bad tokenizer and a bad fraction with what to do', () => {
    const dir = tmpDir();
    const out = join(dir, 's');
    moe(['tokenize', '--in', ingested, '--tokenizer', tokenizer, '--out', out, '--quiet']);
    const bin = readFileSync(join(out, 'train_text_document.bin'));
    writeFileSync(join(out, 'train_text_document.bin'), bin.subarray(0, bin.length - 2));
    const r = moe(['shards', 'inspect', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(truncated .bin?)');
    expect(r.stderr).toContain('hint: re-run moe tokenize');
    writeFileSync(join(dir, 'bad.json'), '{"model": {"type": "Unigram"}}');
    const bad = moe(['tokenize', '--in', ingested, '--tokenizer', join(dir, 'bad.json'), '--out', join(dir, 'x')]);
    expect(bad.code).toBe(1);
    // the model type is named (it used to be "not a BPE tokenizer.json (no model.vocab / model.merges)")
    expect(bad.stderr).toContain(`${join(dir, 'bad.json')} has a Unigram model, not BPE`);
    writeFileSync(join(dir, 'bad2.json'), '{"model": {"type": "BPE"}}');
    expect(
      moe(['tokenize', '--in', ingested, '--tokenizer', join(dir, 'bad2.json'), '--out', join(dir, 'x')]).stderr,
    ).toContain('is not a BPE tokenizer.json (no model.vocab / model.merges)');
    expect(
      moe(['tokenize', '--in', ingested, '--tokenizer', tokenizer, '--out', join(dir, 'y'), '--val-fraction', '2'])
        .stderr,
    ).toContain("option '--val-fraction <f>' argument '2' is invalid. expected a number in [0, 1]");
  });

  it('a tokenizer.json with a component moe does not run: exit 1 naming it, nothing written', () => {
    const gpt2 = JSON.parse(readFileSync(tokenizer, 'utf8'));
    const cases: Array<[object, string]> = [
      [{ ...gpt2, model: { ...gpt2.model, type: 'WordPiece' } }, 'tokenizer.json has a WordPiece model, not BPE'],
      [
        { ...gpt2, model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0]] } },
        'tokenizer.json has a Unigram model, not BPE',
      ],
      [
        { ...gpt2, pre_tokenizer: { type: 'CharDelimiterSplit', delimiter: ' ' } },
        'unsupported pre-tokenizer "CharDelimiterSplit" in tokenizer.json',
      ],
      [
        { ...gpt2, model: { ...gpt2.model, byte_fallback: true } },
        'tokenizer.json: byte_fallback with a ByteLevel pre-tokenizer',
      ],
      [
        { ...gpt2, normalizer: { type: 'Precompiled', precompiled_charsmap: '' } },
        'unsupported normalizer "Precompiled" in tokenizer.json',
      ],
    ];
    for (const [json, message] of cases) {
      const dir = tmpDir();
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
      const r = moe([
        'tokenize',
        '--in',
        ingested,
        '--tokenizer',
        join(dir, 'tokenizer.json'),
        '--out',
        join(dir, 'shards'),
        '--quiet',
      ]);
      expect(r.code, message).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(existsSync(join(dir, 'shards'))).toBe(false);
    }
  });
});
