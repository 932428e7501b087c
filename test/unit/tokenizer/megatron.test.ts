import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DTYPE_INT32,
  DTYPE_UINT16,
  dtypeFor,
  MegatronWriter,
  readMegatronIndex,
  readSequence,
  readShardsInfo,
} from '../../../src/io/megatron.js';
import { ROOT, tmpDir } from '../../helpers.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('Megatron indexed dataset', () => {
  it('reproduces the worked example of DESIGN §3 byte for byte', () => {
    const prefix = join(tmpDir(), 'ex');
    const w = new MegatronWriter(prefix, DTYPE_UINT16);
    w.add(Uint16Array.from([5, 6, 7]));
    w.add(Uint16Array.from([8, 9]));
    expect(w.close()).toEqual({ docs: 2, tokens: 5 });
    expect(readFileSync(`${prefix}.bin`).toString('hex')).toBe('05000600070008000900');
    const idx = readFileSync(`${prefix}.idx`);
    expect(idx.length).toBe(82);
    const expected = Buffer.concat([
      Buffer.from('4d4d494449445800', 'hex'),
      Buffer.from([0x00]), // magic MMIDIDX\0\0
      Buffer.from('0100000000000000', 'hex'), // version 1
      Buffer.from([8]), // uint16
      Buffer.from('0200000000000000', 'hex'), // 2 sequences
      Buffer.from('0300000000000000', 'hex'), // 2 documents + 1
      Buffer.from('0300000002000000', 'hex'), // lengths 3, 2
      Buffer.from('00000000000000000600000000000000', 'hex'), // byte offsets 0, 6
      Buffer.from('000000000000000001000000000000000200000000000000', 'hex'), // document indices 0, 1, 2
    ]);
    expect(idx.equals(expected)).toBe(true);
  });

  it.skipIf(!hasPython)(
    'an independent reader (Python, after Megatron indexed_dataset.py) reads the shards back',
    () => {
      const dir = tmpDir();
      for (const [dtype, vocab] of [
        [DTYPE_UINT16, 50257],
        [DTYPE_INT32, 128256],
      ] as const) {
        expect(dtypeFor(vocab)).toBe(dtype);
        const prefix = join(dir, `d${dtype}`);
        const w = new MegatronWriter(prefix, dtype);
        const docs = [[1, 2, 3, vocab - 1], [40000], [], [7, 8]];
        for (const d of docs) w.add(dtype === DTYPE_UINT16 ? Uint16Array.from(d) : Int32Array.from(d));
        w.close();
        const r = spawnSync('python3', [join(ROOT, 'test/read_megatron.py'), prefix], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(JSON.parse(r.stdout)).toEqual({ dtype_code: dtype, documents: docs });
        const index = readMegatronIndex(prefix);
        expect(docs.map((_, i) => readSequence(prefix, index, i))).toEqual(docs);
      }
    },
  );

  it('names the check that fails on a corrupt or truncated pair', () => {
    const dir = tmpDir();
    const prefix = join(dir, 'c');
    const w = new MegatronWriter(prefix, DTYPE_UINT16);
    w.add(Uint16Array.from([1, 2, 3]));
    w.add(Uint16Array.from([4]));
    w.close();
    const idx = readFileSync(`${prefix}.idx`);
    const bin = readFileSync(`${prefix}.bin`);
    const broken = (name: string, mutate: (i: Buffer, b: Buffer) => [Buffer, Buffer]): string => {
      const [i, b] = mutate(Buffer.from(idx), Buffer.from(bin));
      writeFileSync(join(dir, `${name}.idx`), i);
      writeFileSync(join(dir, `${name}.bin`), b);
      try {
        readMegatronIndex(join(dir, name));
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(broken('magic', (i, b) => [Buffer.concat([Buffer.from('X'), i.subarray(1)]), b])).toContain('bad magic');
    expect(
      broken('version', (i, b) => {
        i.writeBigUInt64LE(2n, 9);
        return [i, b];
      }),
    ).toContain('version 2, expected 1');
    expect(
      broken('dtype', (i, b) => {
        i.writeUInt8(6, 17);
        return [i, b];
      }),
    ).toContain('dtype code 6');
    expect(broken('cut-idx', (i, b) => [i.subarray(0, i.length - 8), b])).toMatch(
      /size 74 bytes.*need 82 \(truncated\?\)/,
    );
    expect(broken('cut-bin', (i, b) => [i, b.subarray(0, 6)])).toContain(
      '.bin holds 6 bytes but the index describes 8 (truncated .bin?)',
    );
    expect(
      broken('pointer', (i, b) => {
        i.writeBigInt64LE(4n, 34 + 8 + 8);
        return [i, b];
      }),
    ).toContain('sequence 1 starts at byte 4, expected 6');
    expect(() => readMegatronIndex(join(dir, 'missing'))).toThrow(/cannot read/);
  });
});

describe('shards.json', () => {
  it('is read back, and missing, not JSON or without its splits it says which', () => {
    const dir = tmpDir();
    expect(() => readShardsInfo(dir)).toThrow(`${dir} has no shards.json`);
    const info = {
      tokenizer_sha256: 'x',
      vocab_size: 1024,
      dtype: 'uint16',
      eot_id: 0,
      val_fraction: 0.1,
      splits: {
        train: { prefix: 'train_text_document', docs: 3, tokens: 30 },
        val: { prefix: 'val_text_document', docs: 1, tokens: 9 },
      },
    };
    writeFileSync(join(dir, 'shards.json'), JSON.stringify(info));
    expect(readShardsInfo(dir)).toEqual(info);
    writeFileSync(join(dir, 'shards.json'), '{');
    expect(() => readShardsInfo(dir)).toThrow(`${join(dir, 'shards.json')}: not valid JSON`);
    writeFileSync(join(dir, 'shards.json'), JSON.stringify({ ...info, splits: { train: info.splits.train } }));
    expect(() => readShardsInfo(dir)).toThrow(
      `${join(dir, 'shards.json')} lacks vocab_size or the train and val splits`,
    );
  });
});
