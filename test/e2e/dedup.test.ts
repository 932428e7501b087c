import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../src/core/doc.js';
import { candidateProbability, normalizeForDedup, shingles } from '../../src/dedup/minhash.js';
import { mulberry32 } from '../../src/text/hash.js';
import { docsOf, moe, ROOT, tmpDir } from '../helpers.js';

function writeStage(dir: string, docs: Doc[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'part-00000.jsonl.gz'), gzipSync(docs.map((d) => `${JSON.stringify(d)}\n`).join('')));
  return dir;
}

const doc = (id: string, text: string): Doc => ({ id, text, source: 'web', metadata: {} });

/** Letters for a number (normalisation maps digits to 0, so words must not differ only in digits). */
const letters = (n: number): string => {
  let s = '';
  for (let k = 0; k < 4; k++, n = Math.floor(n / 26)) s += String.fromCharCode(97 + (n % 26));
  return s;
};

/** A word unique to (pair, index): pairs never share words with each other. */
const word = (p: number, i: number): string => `${letters(p)}${letters(i)}`;

function jaccard(a: string, b: string): number {
  const sa = new Set(shingles(normalizeForDedup(a), 5));
  const sb = new Set(shingles(normalizeForDedup(b), 5));
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / (sa.size + sb.size - inter);
}

interface Planted {
  docs: Doc[];
  pairs: Array<{ a: string; b: string; j: number }>;
}

/** Pairs of 200-word documents; the second of each pair has a share of its words replaced. */
function planted(count: number, seed: number): Planted {
  const rand = mulberry32(seed);
  const docs: Doc[] = [];
  const pairs: Planted['pairs'] = [];
  for (let p = 0; p < count; p++) {
    const base = Array.from({ length: 200 }, (_, i) => word(p, i));
    const rate = [0.002, 0.005, 0.008, 0.03, 0.06, 0.1, 0.15, 0.25][p % 8]!;
    const variant = base.map((w, i) => (rand() < rate ? word(p, 1000 + i) : w));
    const a = base.join(' ');
    const b = variant.join(' ');
    docs.push(doc(`p${p}a`, a), doc(`p${p}b`, b));
    pairs.push({ a: `p${p}a`, b: `p${p}b`, j: jaccard(a, b) });
  }
  return { docs, pairs };
}

describe('moe dedup', () => {
  it('accuracy: recall ≥ 0.95 at J ≥ 0.9, false positives ≤ 1% at J ≤ 0.4, detection along the LSH curve', async () => {
    const dir = tmpDir();
    const { docs, pairs } = planted(640, 3);
    const input = writeStage(join(dir, 'in'), docs);
    const r = moe(['dedup', '--in', input, '--out', join(dir, 'out'), '--db', join(dir, 'index.sqlite'), '--quiet']);
    expect(r.code).toBe(0);
    const removed = new Map(
      (await docsOf(join(dir, 'out', 'removed'))).map((d) => [
        d.id,
        d.metadata.dedup as { duplicate_of: string; jaccard: number },
      ]),
    );
    const caught = (p: Planted['pairs'][number]): boolean => removed.get(p.b)?.duplicate_of === p.a;
    const high = pairs.filter((p) => p.j >= 0.9);
    const low = pairs.filter((p) => p.j <= 0.4);
    expect(high.length).toBeGreaterThan(150);
    expect(low.length).toBeGreaterThan(100);
    expect(high.filter(caught).length / high.length).toBeGreaterThanOrEqual(0.95);
    expect(low.filter(caught).length / low.length).toBeLessThanOrEqual(0.01);
    // no first document of a pair is ever removed: survivors are the earliest
    expect([...removed.keys()].every((id) => id.endsWith('b'))).toBe(true);
    // detection rate per band of J against 1 − (1 − J^8)^14
    for (const [lo, hi] of [
      [0.4, 0.6],
      [0.6, 0.75],
      [0.75, 0.85],
      [0.85, 1.01],
    ] as const) {
      const inBand = pairs.filter((p) => p.j >= lo && p.j < hi);
      if (inBand.length < 30) continue;
      const expected = inBand.reduce((s, p) => s + candidateProbability(p.j, 14, 8), 0) / inBand.length;
      const measured = inBand.filter(caught).length / inBand.length;
      const sigma = Math.sqrt((expected * (1 - expected)) / inBand.length);
      expect(
        Math.abs(measured - expected),
        `J in [${lo}, ${hi}): ${measured.toFixed(3)} vs ${expected.toFixed(3)} (n=${inBand.length})`,
      ).toBeLessThanOrEqual(4 * sigma + 0.03);
    }
    // the removed document's estimate is near the true similarity
    const sample = high.filter(caught).slice(0, 40);
    for (const p of sample) expect(Math.abs(removed.get(p.b)!.jaccard - p.j)).toBeLessThan(0.15);
  });

  it('--verify: no removed document is below the threshold in true Jaccard similarity', async () => {
    const dir = tmpDir();
    const { docs, pairs } = planted(320, 4);
    const input = writeStage(join(dir, 'in'), docs);
    const r = moe([
      'dedup',
      '--in',
      input,
      '--out',
      join(dir, 'out'),
      '--db',
      join(dir, 'index.sqlite'),
      '--verify',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const removed = new Map(
      (await docsOf(join(dir, 'out', 'removed'))).map((d) => [
        d.id,
        (d.metadata.dedup as { duplicate_of: string }).duplicate_of,
      ]),
    );
    const truth = new Map(pairs.map((p) => [p.b, p]));
    expect(removed.size).toBeGreaterThan(60);
    for (const [id, of] of removed) {
      const p = truth.get(id)!;
      expect(of).toBe(p.a);
      expect(p.j).toBeGreaterThanOrEqual(0.8);
    }
    const high = pairs.filter((p) => p.j >= 0.9);
    expect(high.filter((p) => removed.get(p.b) === p.a).length / high.length).toBeGreaterThanOrEqual(0.95);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as {
      stats: { counts: Record<string, number> };
    };
    expect(report.stats.counts['verify.pairs']).toBeGreaterThan(50);
    expect(report.stats.counts['verify.false_positives']).toBeGreaterThan(0);
  });

  it('exact duplicates are removed with jaccard 1; kept documents carry their cluster', async () => {
    const dir = tmpDir();
    const t = Array.from({ length: 50 }, (_, i) => word(9, i)).join(' ');
    const input = writeStage(join(dir, 'in'), [
      doc('a', t),
      doc('b', 'something else entirely here and there'),
      doc('c', `${t.toUpperCase()}!!`),
    ]);
    expect(
      moe(['dedup', '--in', input, '--out', join(dir, 'out'), '--db', join(dir, 'i.sqlite'), '--quiet']).code,
    ).toBe(0);
    const kept = await docsOf(join(dir, 'out'));
    expect(kept.map((d) => [d.id, d.metadata.dedup])).toEqual([
      ['a', { cluster_id: 'a', cluster_size: 2 }],
      ['b', { cluster_id: 'b', cluster_size: 1 }],
    ]);
    expect((await docsOf(join(dir, 'out', 'removed'))).map((d) => [d.id, d.metadata.dedup])).toEqual([
      ['c', { duplicate_of: 'a', jaccard: 1 }],
    ]);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as {
      exact_duplicates: number;
      near_duplicates: number;
      clusters: number;
    };
    expect(report).toMatchObject({ exact_duplicates: 1, near_duplicates: 0, clusters: 1 });
    const inspect = moe(['dedup', 'inspect', '--db', join(dir, 'i.sqlite'), '--doc', 'c', '--json']);
    expect(JSON.parse(inspect.stdout)).toEqual({
      cluster_id: 'a',
      size: 2,
      members: [
        { id: 'a', batch: 0, survivor: true },
        { id: 'c', batch: 0, survivor: false },
      ],
    });
  });

  it('incremental: batch B against batch A through the same index equals one run over A+B', async () => {
    const dir = tmpDir();
    const { docs } = planted(60, 11);
    // A: the first document of every pair and the second of the first 20; B: the other second documents and fresh ones
    const a = docs.filter((_d, i) => i % 2 === 0 || i < 40);
    const fresh = Array.from({ length: 10 }, (_, k) =>
      doc(`new${k}`, Array.from({ length: 100 }, (_, i) => word(5000 + k, i)).join(' ')),
    );
    const b = [...docs.filter((_d, i) => i % 2 === 1 && i >= 40), ...fresh];
    const db = join(dir, 'index.sqlite');
    expect(
      moe(['dedup', '--in', writeStage(join(dir, 'a'), a), '--out', join(dir, 'a-out'), '--db', db, '--quiet']).code,
    ).toBe(0);
    const runB = moe([
      'dedup',
      '--in',
      writeStage(join(dir, 'b'), b),
      '--out',
      join(dir, 'b-out'),
      '--db',
      db,
      '--quiet',
      '--json',
    ]);
    expect(runB.code).toBe(0);
    expect(
      moe([
        'dedup',
        '--in',
        writeStage(join(dir, 'ab'), [...a, ...b]),
        '--out',
        join(dir, 'ab-out'),
        '--db',
        join(dir, 'one.sqlite'),
        '--quiet',
      ]).code,
    ).toBe(0);
    const ids = async (d: string): Promise<string[]> => (await docsOf(d)).map((x) => x.id).sort();
    expect([...(await ids(join(dir, 'a-out'))), ...(await ids(join(dir, 'b-out')))].sort()).toEqual(
      await ids(join(dir, 'ab-out')),
    );
    // B's duplicates point at A's survivors
    const removedB = await docsOf(join(dir, 'b-out', 'removed'));
    expect(removedB.length).toBeGreaterThan(10);
    const aIds = new Set(a.map((d) => d.id));
    expect(
      removedB.map((d) => (d.metadata.dedup as { duplicate_of: string }).duplicate_of).filter((id) => !aIds.has(id)),
    ).toEqual([]);
    // running batch B again is recognised and not inserted twice
    const again = moe(['dedup', '--in', join(dir, 'b'), '--out', join(dir, 'b-out2'), '--db', db, '--quiet']);
    expect(again.code).toBe(0);
    expect(await ids(join(dir, 'b-out2'))).toEqual(await ids(join(dir, 'b-out')));
  });

  it('decontamination: a planted benchmark passage (whole or around one 13-gram) is removed, 12 shared words are not', async () => {
    const dir = tmpDir();
    const passage = Array.from({ length: 40 }, (_, i) => word(7000, i));
    writeFileSync(
      join(dir, 'mmlu-mini.jsonl'),
      `${JSON.stringify({ question: passage.slice(0, 25).join(' '), choices: [passage.slice(25).join(' '), 'none of these'], answer: 0 })}\n${JSON.stringify({ question: 'An unrelated question about rivers?', answer: 'deltas' })}\n`,
    );
    const filler = (k: number, n: number): string => Array.from({ length: n }, (_, i) => word(8000 + k, i)).join(' ');
    const docs = [
      doc('whole', `${filler(1, 60)} ${passage.join(' ')} ${filler(2, 60)}`),
      doc('paraphrase', `${filler(3, 60)} ${passage.slice(10, 23).join(' ').toUpperCase()}, ${filler(4, 60)}`), // exactly 13 words kept
      doc('twelve', `${filler(5, 60)} ${passage.slice(10, 22).join(' ')} ${filler(6, 60)}`), // only 12
      doc('clean', filler(7, 100)),
    ];
    const input = writeStage(join(dir, 'in'), docs);
    const r = moe([
      'dedup',
      '--in',
      input,
      '--out',
      join(dir, 'out'),
      '--db',
      join(dir, 'i.sqlite'),
      '--against',
      join(dir, 'mmlu-mini.jsonl'),
      '--quiet',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect((await docsOf(join(dir, 'out'))).map((d) => d.id)).toEqual(['twelve', 'clean']);
    expect((await docsOf(join(dir, 'out', 'removed'))).map((d) => [d.id, d.metadata.decontamination])).toEqual([
      ['whole', { eval: 'mmlu-mini', ngram: 13 }],
      ['paraphrase', { eval: 'mmlu-mini', ngram: 13 }],
    ]);
    // item 1 joins 43 words (25 + 15 + "none of these"): 31 13-grams; item 2 is shorter than 13 words: 1
    expect(JSON.parse(r.stdout).decontamination).toEqual({ 'mmlu-mini': { items: 2, ngrams: 32, docs_removed: 2 } });
    // named in a config instead, the eval set is found beside the config, as moe curate finds it,
    // whatever folder the command runs in
    mkdirSync(join(dir, 'cfg'));
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'cfg', 'mmlu-mini.jsonl'), readFileSync(join(dir, 'mmlu-mini.jsonl')));
    writeFileSync(join(dir, 'cfg', 'dedup.yaml'), 'dedup:\n  against: [mmlu-mini.jsonl]\n');
    const fromConfig = moe(
      ['dedup', '--in', input, '--out', join(dir, 'out2'), '--db', join(dir, 'i2.sqlite'), '--quiet', '--json'].concat([
        '--config',
        join(dir, 'cfg', 'dedup.yaml'),
      ]),
      { cwd: join(dir, 'elsewhere') },
    );
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    expect(JSON.parse(fromConfig.stdout).decontamination['mmlu-mini'].docs_removed).toBe(2);
  });

  it('--drop-all-copies removes every member of a duplicate cluster', async () => {
    const dir = tmpDir();
    const t = Array.from({ length: 50 }, (_, i) => word(9100, i)).join(' ');
    const input = writeStage(join(dir, 'in'), [
      doc('a', t),
      doc('b', `${t} extra`),
      doc('c', 'a lone document with nothing like it'),
    ]);
    expect(
      moe([
        'dedup',
        '--in',
        input,
        '--out',
        join(dir, 'out'),
        '--db',
        join(dir, 'i.sqlite'),
        '--drop-all-copies',
        '--quiet',
      ]).code,
    ).toBe(0);
    expect((await docsOf(join(dir, 'out'))).map((d) => d.id)).toEqual(['c']);
    expect((await docsOf(join(dir, 'out', 'removed'))).map((d) => [d.id, d.metadata.dedup])).toEqual([
      ['a', { cluster_id: 'a', cluster_size: 2, dropped_all_copies: true }],
      ['b', { duplicate_of: 'a', jaccard: expect.any(Number) }],
    ]);
  });

  it('refuses a --db that is not a SQLite index (another file, a truncated index), naming it', () => {
    const dir = tmpDir();
    const input = writeStage(join(dir, 'in'), [doc('a', 'one two three four five six')]);
    expect(moe(['dedup', '--in', input, '--out', join(dir, 'o1'), '--db', join(dir, 'i.sqlite'), '--quiet']).code).toBe(
      0,
    );
    writeFileSync(join(dir, 'notes.txt'), 'not a database\n');
    writeFileSync(join(dir, 'cut.sqlite'), readFileSync(join(dir, 'i.sqlite')).subarray(0, 10000));
    for (const [db, why] of [
      ['notes.txt', 'file is not a database'],
      ['cut.sqlite', 'database disk image is malformed'],
    ]) {
      const r = moe(['dedup', '--in', input, '--out', join(dir, `o-${db}`), '--db', join(dir, db!)]);
      expect(r.code, db).toBe(1);
      expect(r.stderr).toContain(`moe: error: ${join(dir, db!)} is not a usable moe dedup index: ${why}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses an index built with other parameters', () => {
    const dir = tmpDir();
    const input = writeStage(join(dir, 'in'), [doc('a', 'one two three four five six')]);
    expect(moe(['dedup', '--in', input, '--out', join(dir, 'o1'), '--db', join(dir, 'i.sqlite'), '--quiet']).code).toBe(
      0,
    );
    const r = moe([
      'dedup',
      '--in',
      input,
      '--out',
      join(dir, 'o2'),
      '--db',
      join(dir, 'i.sqlite'),
      '--bands',
      '20',
      '--rows',
      '5',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('was built with other MinHash parameters');
  });

  it('--workers 1 and --workers 2 give identical outputs', async () => {
    const dir = tmpDir();
    const input = writeStage(join(dir, 'in'), planted(300, 5).docs);
    for (const w of ['1', '2'])
      expect(
        moe([
          'dedup',
          '--in',
          input,
          '--out',
          join(dir, `o${w}`),
          '--db',
          join(dir, `i${w}.sqlite`),
          '--workers',
          w,
          '--quiet',
        ]).code,
      ).toBe(0);
    for (const f of ['part-00000.jsonl.gz', 'removed/part-00000.jsonl.gz'])
      expect(readFileSync(join(dir, 'o2', f)).equals(readFileSync(join(dir, 'o1', f)))).toBe(true);
  });

  it('--shard I/N on each machine, then merge, gives the output of one run', async () => {
    const dir = tmpDir();
    const { docs } = planted(200, 21);
    // five part files, so three shards get different parts
    mkdirSync(join(dir, 'in'));
    for (let k = 0; k < 5; k++) {
      const slice = docs.slice(k * 80, (k + 1) * 80);
      writeFileSync(
        join(dir, 'in', `part-0000${k}.jsonl.gz`),
        gzipSync(slice.map((d) => `${JSON.stringify(d)}\n`).join('')),
      );
    }
    const input = join(dir, 'in');
    expect(
      moe(['dedup', '--in', input, '--out', join(dir, 'one'), '--db', join(dir, 'one.sqlite'), '--quiet']).code,
    ).toBe(0);
    for (let i = 0; i < 3; i++)
      expect(moe(['dedup', '--in', input, '--shard', `${i}/3`, '--out', join(dir, 'sigs'), '--quiet']).code).toBe(0);
    const parts = readdirSync(join(dir, 'sigs')).sort();
    expect(parts).toEqual(['signatures-0-of-3.bin', 'signatures-1-of-3.bin', 'signatures-2-of-3.bin']);
    const sigs = parts.map((p) => join(dir, 'sigs', p));
    const missing = moe([
      'dedup',
      'merge',
      '--in',
      input,
      '--signatures',
      ...sigs.slice(0, 2),
      '--db',
      join(dir, 'm.sqlite'),
      '--out',
      join(dir, 'm'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('merge needs the signature parts of all 3 shards; missing shard 2/3');
    expect(
      moe([
        'dedup',
        'merge',
        '--in',
        input,
        '--signatures',
        ...sigs,
        '--db',
        join(dir, 'merged.sqlite'),
        '--out',
        join(dir, 'merged'),
        '--quiet',
      ]).code,
    ).toBe(0);
    for (const f of ['part-00000.jsonl.gz', 'removed/part-00000.jsonl.gz'])
      expect(readFileSync(join(dir, 'merged', f)).equals(readFileSync(join(dir, 'one', f)))).toBe(true);
    // with a config, merge writes what one run with that config writes (here: every copy dropped)
    writeFileSync(join(dir, 'all.yaml'), 'dedup:\n  dropAllCopies: true\n');
    const cfg = ['--config', join(dir, 'all.yaml'), '--quiet'];
    expect(
      moe(['dedup', '--in', input, '--out', join(dir, 'one-all'), '--db', join(dir, 'oa.sqlite'), ...cfg]).code,
    ).toBe(0);
    const merge = ['dedup', 'merge', '--in', input, '--signatures', ...sigs, '--db', join(dir, 'ma.sqlite')];
    expect(moe([...merge, '--out', join(dir, 'merged-all'), ...cfg]).code).toBe(0);
    const one = await docsOf(join(dir, 'one-all'));
    expect(one.length).toBeLessThan((await docsOf(join(dir, 'one'))).length);
    expect((await docsOf(join(dir, 'merged-all'))).map((d) => d.id)).toEqual(one.map((d) => d.id));
  });

  it('a run killed with SIGKILL and started again gives the output of an uninterrupted run', async () => {
    const dir = tmpDir();
    const input = writeStage(join(dir, 'in'), planted(6000, 8).docs);
    const args = (out: string, db: string): string[] => [
      join(ROOT, 'bin/moe'),
      'dedup',
      '--in',
      input,
      '--out',
      out,
      '--db',
      db,
      '--quiet',
      '--workers',
      '1',
    ];
    expect(moe(args(join(dir, 'clean'), join(dir, 'clean.sqlite')).slice(1)).code).toBe(0);
    // kill part-way, at a few different moments
    for (const ms of [300, 900]) {
      const child = spawn(process.execPath, args(join(dir, 'killed'), join(dir, 'killed.sqlite')), { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, ms));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
    }
    expect(moe(args(join(dir, 'killed'), join(dir, 'killed.sqlite')).slice(1)).code).toBe(0);
    expect(existsSync(join(dir, 'killed', 'report.json'))).toBe(true);
    for (const f of ['part-00000.jsonl.gz', 'removed/part-00000.jsonl.gz'])
      expect(readFileSync(join(dir, 'killed', f)).equals(readFileSync(join(dir, 'clean', f)))).toBe(true);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
