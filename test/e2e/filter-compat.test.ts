/**
 * `moe filter` against datatrove's own decisions (corpus/filter-compat: 2,893 documents, the
 * decisions written by scripts/datatrove-reference.sh from datatrove's FineWeb filters with its
 * spaCy English tokenizer). `filter.compat: datatrove` must decide as datatrove does; the default
 * may differ only through its documented departures; `--annotate` lets a user re-threshold.
 */
import { readFileSync } from 'node:fs';
import { resolveParams } from '../../src/filter/resolve.js';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { FilterSchema } from '../../src/config/filter-schema.js';
import type { Doc } from '../../src/core/doc.js';
import { StageStats } from '../../src/core/stats.js';
import { Chains } from '../../src/filter/chain.js';
import { DATATROVE_DIALECT, type Dialect, MOE_DIALECT } from '../../src/filter/types.js';
import { docsOf, moe, ROOT, tmpDir } from '../helpers.js';

const DIR = join(ROOT, 'corpus/filter-compat');
const FILTERS = ['gopher-repetition', 'gopher-quality', 'c4', 'fineweb'] as const;
type Decision = Record<(typeof FILTERS)[number], string | null> & { id: string; word_count: number; sentences: number };
type Annotations = Record<string, Record<string, number | string | null>>;

const reference = new Map<string, Decision>();
let header: { datatrove_commit: string; spacy: string };

/** All documents a filter run wrote, kept and rejected, by id. */
async function annotated(out: string): Promise<Map<string, Doc>> {
  const docs = [...(await docsOf(out)), ...(await docsOf(join(out, 'rejected')))];
  return new Map(docs.map((d) => [d.id, d]));
}

function filtersOf(doc: Doc): Annotations {
  return doc.metadata.filters as Annotations;
}

beforeAll(() => {
  const lines = gunzipSync(readFileSync(join(DIR, 'datatrove-decisions.jsonl.gz')))
    .toString('utf8')
    .trim()
    .split('\n');
  header = JSON.parse(lines[0]!);
  for (const l of lines.slice(1)) {
    const d = JSON.parse(l) as Decision;
    reference.set(d.id, d);
  }
});

describe('filter.compat: datatrove decides as datatrove does', () => {
  it('on every document of the fixture corpus, dev and held-out, English and not: the same keep/drop, the same reason, the same word and sentence counts', async () => {
    expect(header.datatrove_commit).toBe('a649de79c14a550dc90f48a15c025f2dd3fd3b57');
    expect(reference.size).toBe(2893);
    const out = join(tmpDir(), 'out');
    const r = moe([
      'filter',
      '--in',
      join(DIR, 'corpus'),
      '--out',
      out,
      '--annotate',
      '--keep-rejected',
      '--set',
      'filter.compat=datatrove',
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const docs = await annotated(out);
    expect(docs.size).toBe(2893);
    const tally: Record<string, { n: number; agree: number; sameReason: number }> = {};
    let sameValues = 0;
    for (const [id, ref] of reference) {
      const doc = docs.get(id)!;
      // two measured values too: Gopher quality's words (spaCy's, punctuation-only ones left out)
      // and C4's sentences of the kept lines (spaCy's sentencizer)
      if (
        filtersOf(doc)['gopher-quality']!.word_count === ref.word_count &&
        filtersOf(doc).c4!.sentences === ref.sentences
      )
        sameValues++;
      const groups = [
        'all',
        doc.metadata.language === 'eng' ? 'eng' : 'other',
        `split:${doc.metadata.split}`,
        ...(doc.metadata.kind === 'news' ? ['news'] : []),
      ];
      for (const f of FILTERS) {
        const mine = filtersOf(doc)[f]!.reason;
        for (const g of groups) {
          const t = (tally[`${f} ${g}`] ??= { n: 0, agree: 0, sameReason: 0 });
          t.n++;
          if ((mine === null) === (ref[f] === null)) t.agree++;
          if (mine === ref[f]) t.sameReason++;
        }
      }
    }
    expect(sameValues).toBe(2893);
    for (const f of FILTERS) {
      // the issue asks ≥ 97 % on English documents and ≥ 99 % on news articles; every one agrees
      expect(tally[`${f} eng`]!.n).toBe(2018);
      expect(tally[`${f} news`]!.n).toBe(181);
      for (const g of ['all', 'eng', 'other', 'news', 'split:dev', 'split:holdout']) {
        const t = tally[`${f} ${g}`]!;
        expect({ filter: f, group: g, agree: t.agree, sameReason: t.sameReason }).toEqual({
          filter: f,
          group: g,
          agree: t.n,
          sameReason: t.n,
        });
      }
    }
  });
});

describe('filter.compat: moe differs from datatrove only through its departures', () => {
  it('every document the default judges otherwise is judged as datatrove does once its departures are off', async () => {
    const out = join(tmpDir(), 'out');
    const r = moe(['filter', '--in', join(DIR, 'corpus'), '--out', out, '--annotate', '--keep-rejected', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const docs = await annotated(out);
    const differing: Array<{ doc: Doc; filter: (typeof FILTERS)[number] }> = [];
    for (const [id, ref] of reference) {
      const doc = docs.get(id)!;
      for (const f of FILTERS)
        if ((filtersOf(doc)[f]!.reason === null) !== (ref[f] === null)) differing.push({ doc, filter: f });
    }
    // measured on this corpus (README "Two settings"): C4 and FineWeb differ only on Chinese and
    // Japanese pages, whose lines moe counts in characters
    const byFilter = Object.fromEntries(FILTERS.map((f) => [f, differing.filter((d) => d.filter === f).length]));
    expect(byFilter).toEqual({ 'gopher-repetition': 553, 'gopher-quality': 1685, c4: 5, fineweb: 2 });
    // each such document judged in-process: with the departures off it is datatrove's verdict, with
    // moe's four on it is the command's; so the two settings differ only through those switches
    // (scripts/filter-departures.mjs measures what each does alone)
    const config = FilterSchema.parse({ annotate: true });
    const chains = (dialect: Dialect): Chains =>
      new Chains({ config, params: resolveParams(config, dialect), models: {}, learned: {}, dialect });
    const plain = chains(DATATROVE_DIALECT);
    const moeChains = chains(MOE_DIALECT);
    for (const c of [plain, moeChains]) await c.load(['web']);
    const input = new Map((await docsOf(join(DIR, 'corpus'))).map((d) => [d.id, d]));
    let unexplained = 0;
    for (const { doc, filter } of differing) {
      const original = input.get(doc.id)!;
      const judged = (c: Chains): string | null =>
        filtersOf(c.run(original, new StageStats()).doc)[filter]!.reason as string | null;
      if (judged(plain) !== reference.get(doc.id)![filter] || judged(moeChains) !== filtersOf(doc)[filter]!.reason)
        unexplained++;
    }
    expect(unexplained).toBe(0);
  });
});

describe('--annotate', () => {
  it('writes each filter verdict and value; re-thresholding from them keeps what a run with the new threshold keeps', async () => {
    const dir = tmpDir();
    const corpus = join(DIR, 'corpus');
    const a = moe([
      'filter',
      '--in',
      corpus,
      '--out',
      join(dir, 'a'),
      '--annotate',
      '--keep-rejected',
      '--quiet',
      '--set',
      'filter.web.params.gopher-quality.minWords=50',
    ]);
    expect(a.code, a.stderr).toBe(0);
    const b = moe([
      'filter',
      '--in',
      corpus,
      '--out',
      join(dir, 'b'),
      '--quiet',
      '--set',
      'filter.web.params.gopher-quality.minWords=120',
      '--set',
      'filter.web.params.fineweb.maxCharDupRatio=0.05',
    ]);
    expect(b.code, b.stderr).toBe(0);
    const docs = [...(await annotated(join(dir, 'a'))).values()];
    const sample = docs.find((d) => filtersOf(d)['gopher-quality']!.reason === 'gopher_short_doc')!;
    expect(Object.keys(filtersOf(sample))).toEqual([
      'language',
      'gopher-repetition',
      'gopher-quality',
      'c4',
      'fineweb',
    ]);
    expect(Object.keys(filtersOf(sample)['gopher-quality']!)).toEqual([
      'reason',
      'word_count',
      'avg_word_length',
      'hash_ratio',
      'ellipsis_ratio',
      'bullet_lines_ratio',
      'end_ellipsis_lines_ratio',
      'alpha_words_ratio',
      'stop_words',
    ]);
    // re-threshold: gopher-quality's word count rule at 120 (tighter: the other rules' verdicts stand),
    // fineweb's duplicated-character rule at 0.05 (looser)
    const keptNow = new Set<string>();
    for (const d of docs) {
      const f = filtersOf(d);
      const gq = f['gopher-quality']!;
      const gqOthers = gq.reason !== null && gq.reason !== 'gopher_short_doc';
      const gqDrops = gqOthers || (gq.word_count as number) < 120;
      // a looser threshold: every fineweb rule again from its values (the reason names only the first failing one)
      const fw = f.fineweb! as Record<string, number>;
      const fwDrops =
        fw.lines === 0 ||
        fw.line_punct_ratio! < 0.12 ||
        fw.short_line_ratio! > 0.67 ||
        fw.char_dup_ratio! > 0.05 ||
        fw.list_ratio! > 0.3;
      const othersKeep = ['language', 'gopher-repetition', 'c4'].every((n) => f[n]!.reason === null);
      if (othersKeep && !gqDrops && !fwDrops) keptNow.add(d.id);
    }
    const keptB = new Set((await docsOf(join(dir, 'b'))).map((d) => d.id));
    expect(keptNow.size).toBeGreaterThan(100);
    expect([...keptNow].sort()).toEqual([...keptB].sort());
  });
});
