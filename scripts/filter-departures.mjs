#!/usr/bin/env node
/**
 * Measures each of moe's departures from datatrove on the fixture corpus: for datatrove's own
 * settings, each departure turned on alone, and moe's default (all of them), how often each of the
 * four filters agrees with datatrove's decisions, and how many documents each filter drops.
 *
 *   node scripts/filter-departures.mjs [CORPUS_DIR] [DECISIONS.jsonl.gz]     (after npm run build)
 *
 * Defaults: corpus/filter-compat/corpus and its datatrove-decisions.jsonl.gz. Prints a Markdown
 * table (the README's) and one JSON line per setting.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FilterSchema } from '../dist/config/filter-schema.js';
import { StageStats } from '../dist/core/stats.js';
import { Chains } from '../dist/filter/chain.js';
import { resolveParams } from '../dist/filter/resolve.js';
import { DATATROVE_DIALECT, MOE_DIALECT } from '../dist/filter/types.js';

const corpus = process.argv[2] ?? 'corpus/filter-compat/corpus';
const decisionsFile = process.argv[3] ?? 'corpus/filter-compat/datatrove-decisions.jsonl.gz';
const FILTERS = ['gopher-repetition', 'gopher-quality', 'c4', 'fineweb'];

const lines = (file) => {
  const raw = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split('\n').filter(Boolean);
};
const docs = lines(`${corpus}/part-00000.jsonl.gz`).map((l) => JSON.parse(l));
const reference = new Map(
  lines(decisionsFile)
    .slice(1)
    .map((l) => [JSON.parse(l).id, JSON.parse(l)]),
);

const SETTINGS = [
  ['datatrove (filter.compat: datatrove)', DATATROVE_DIALECT],
  ['+ whitespace words', { ...DATATROVE_DIALECT, whitespaceWords: true }],
  ['+ a top n-gram seen once counts 0', { ...DATATROVE_DIALECT, singletonNgramsZero: true }],
  ['+ stop words of the document language, as occurrences', { ...DATATROVE_DIALECT, languageStopWords: true }],
  ['+ built-in language defaults (space-less scripts)', { ...DATATROVE_DIALECT, languageDefaults: true }],
  ['moe (filter.compat: moe, all four)', MOE_DIALECT],
];

const config = FilterSchema.parse({ annotate: true });
const rows = [];
for (const [name, dialect] of SETTINGS) {
  const chains = new Chains({ config, params: resolveParams(config, dialect), models: {}, learned: {}, dialect });
  await chains.load(['web']);
  const stats = new StageStats();
  const agree = Object.fromEntries(FILTERS.map((f) => [f, { all: 0, eng: 0, engN: 0, news: 0, newsN: 0, drops: 0 }]));
  for (const doc of docs) {
    const ref = reference.get(doc.id);
    const { doc: out } = chains.run(doc, stats);
    const eng = out.metadata.language === 'eng';
    const news = doc.metadata.kind === 'news';
    for (const f of FILTERS) {
      const mine = out.metadata.filters[f].reason;
      const same = (mine === null) === (ref[f] === null) ? 1 : 0;
      const a = agree[f];
      a.all += same;
      if (eng) {
        a.eng += same;
        a.engN++;
      }
      if (news) {
        a.news += same;
        a.newsN++;
      }
      if (mine !== null) a.drops++;
    }
  }
  const row = { setting: name, documents: docs.length };
  for (const f of FILTERS) {
    const a = agree[f];
    row[f] = {
      agree_all: a.all / docs.length,
      agree_eng: a.eng / a.engN,
      agree_news: a.news / a.newsN,
      drops: a.drops,
    };
  }
  rows.push(row);
  console.log(JSON.stringify(row));
}

const pct = (x) => `${(100 * x).toFixed(1)} %`;
console.log(`\n| setting | ${FILTERS.map((f) => `${f}: agree (English / news), drops`).join(' | ')} |`);
console.log(`|---|${FILTERS.map(() => '---').join('|')}|`);
for (const r of rows)
  console.log(
    `| ${r.setting} | ${FILTERS.map((f) => `${pct(r[f].agree_eng)} / ${pct(r[f].agree_news)}, ${r[f].drops}`).join(' | ')} |`,
  );
