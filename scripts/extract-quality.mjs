#!/usr/bin/env node
// Main-text extraction quality, measured as the public benchmarks measure it, moe beside
// Readability.js (@mozilla/readability on linkedom) in the same run.
//
// Data sets (not in the repository: they are other people's web pages), looked for under
// MOE_EXTRACT_DATA (default: bench-data/ in the repository):
//   trafilatura/                  github.com/adbar/trafilatura: tests/eval, tests/cache and
//                                 tests/evaldata.json (990 pages, "with"/"without" snippets;
//                                 scored as trafilatura's tests/evaluate.py scores them)
//   article-extraction-benchmark/ github.com/scrapinghub/article-extraction-benchmark: html/
//                                 and ground-truth.json (181 pages, whole article bodies; scored
//                                 with its evaluate.py's 4-token shingle precision/recall/F1)
//   own/                          fixtures/extract in this repository (always there)
// `git clone` both repositories into that folder (or `git archive` the paths above).
//
// Prints one JSON line per data set and extractor; `--pages` adds one line per page for moe;
// `--only NAME` runs one data set; `--no-peer` skips Readability.js.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { franc } from 'franc';

const root = new URL('..', import.meta.url).pathname;
const dataDir = process.env.MOE_EXTRACT_DATA ?? join(root, 'bench-data');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const perPage = args.includes('--pages');
const withPeer = !args.includes('--no-peer');

const { extractMainText } = await import(join(root, 'dist/ingest/html.js'));
const { decodeHtml } = await import(join(root, 'dist/ingest/web.js'));

const norm = (s) => s.replace(/\s+/g, ' ').trim();

/** Every page of a data set: { name, html (Buffer), lang, score(text) → {tp, fp, fn, tn?} }. */
function trafilaturaSet() {
  const dir = join(dataDir, 'trafilatura');
  const data = JSON.parse(readFileSync(join(dir, 'tests/evaldata.json'), 'utf8'));
  return Object.entries(data)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([url, item]) => {
      const file = ['cache', 'eval'].map((d) => join(dir, 'tests', d, item.file)).find((p) => existsSync(p));
      const withs = item.with.map(norm);
      const withouts = item.without.map(norm);
      return {
        name: item.file,
        url,
        html: readFileSync(file),
        expected: withs.join(' '),
        score(text) {
          const t = norm(text ?? '');
          const tp = withs.filter((w) => t.includes(w)).length;
          const fp = withouts.filter((w) => t.includes(w)).length;
          return { tp, fp, fn: withs.length - tp, tn: withouts.length - fp };
        },
      };
    });
}

const TOKEN = /[\p{L}\p{N}_\p{M}]+/gu; // Python's \w in Unicode mode
function shingles(text, n = 4) {
  const tokens = (text ?? '').match(TOKEN) ?? [];
  const counts = new Map();
  for (let i = 0; i < Math.max(1, tokens.length - n + 1); i++) {
    const s = tokens.slice(i, i + n);
    if (!s.length) continue;
    const k = s.join('\u0001');
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** evaluate.py's string_shingle_matching: tp/fp/fn over 4-token shingles, normalised per page. */
function shingleScore(truth, pred) {
  const a = shingles(truth);
  const b = shingles(pred);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k) ?? 0;
    const y = b.get(k) ?? 0;
    tp += Math.min(x, y);
    fp += Math.max(0, y - x);
    fn += Math.max(0, x - y);
  }
  const s = tp + fp + fn;
  return s > 0 ? { tp: tp / s, fp: fp / s, fn: fn / s } : { tp, fp, fn };
}

function scrapinghubSet() {
  const dir = join(dataDir, 'article-extraction-benchmark');
  const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8'));
  return Object.keys(truth)
    .sort()
    .map((key) => {
      const body = truth[key].articleBody ?? '';
      return {
        name: key,
        url: truth[key].url,
        html: gunzipSync(readFileSync(join(dir, 'html', `${key}.html.gz`))),
        expected: body,
        score: (text) => shingleScore(body, text ?? ''),
      };
    });
}

/** This repository's own pages, one per failure mode: `NAME.html` beside `NAME.txt` (the article). */
function ownSet() {
  const dir = join(root, 'fixtures/extract');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((f) => {
      const txt = join(dir, f.replace(/\.html$/, '.txt'));
      const body = readFileSync(txt, 'utf8');
      return {
        name: f,
        html: readFileSync(join(dir, f)),
        expected: body,
        score: (text) => shingleScore(body, text ?? ''),
      };
    });
}

/** Page-averaged precision and recall (evaluate.py), or pooled counts for the snippet sets. */
function summarise(scores, pooled) {
  if (pooled) {
    const t = scores.reduce((a, s) => ({ tp: a.tp + s.tp, fp: a.fp + s.fp, fn: a.fn + s.fn, tn: a.tn + s.tn }), {
      tp: 0,
      fp: 0,
      fn: 0,
      tn: 0,
    });
    const precision = t.tp / Math.max(1, t.tp + t.fp);
    const recall = t.tp / Math.max(1, t.tp + t.fn);
    return {
      f1: round((2 * t.tp) / Math.max(1, 2 * t.tp + t.fp + t.fn)),
      precision: round(precision),
      recall: round(recall),
      accuracy: round((t.tp + t.tn) / Math.max(1, t.tp + t.tn + t.fp + t.fn)),
    };
  }
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const p = mean(
    scores.filter((s) => s.tp + s.fp > 0).map((s) => (s.fp === 0 && s.fn === 0 ? 1 : s.tp / (s.tp + s.fp))),
  );
  const r = mean(
    scores.filter((s) => s.tp + s.fn > 0).map((s) => (s.fp === 0 && s.fn === 0 ? 1 : s.tp / (s.tp + s.fn))),
  );
  return { f1: round((2 * p * r) / Math.max(1e-9, p + r)), precision: round(p), recall: round(r) };
}

const round = (x) => +x.toFixed(3);

function languageOf(page) {
  const code = franc(page.expected, { minLength: 10 });
  return code === 'und' ? 'und' : code;
}

async function readabilityPeer() {
  try {
    const { Readability } = await import('@mozilla/readability');
    const { parseHTML } = await import('linkedom');
    return (html) => {
      const { document } = parseHTML(html);
      return new Readability(document).parse()?.textContent ?? '';
    };
  } catch {
    return undefined;
  }
}

const sets = [
  ['trafilatura', trafilaturaSet, true, existsSync(join(dataDir, 'trafilatura/tests/evaldata.json'))],
  ['scrapinghub', scrapinghubSet, false, existsSync(join(dataDir, 'article-extraction-benchmark/ground-truth.json'))],
  ['own', ownSet, false, existsSync(join(root, 'fixtures/extract'))],
];
const peer = withPeer ? await readabilityPeer() : undefined;
for (const [name, load, pooled, present] of sets) {
  if (only && only !== name) continue;
  if (!present) {
    console.log(
      JSON.stringify({
        bench: 'extract_quality',
        set: name,
        skipped: `data set not found under ${dataDir} (see scripts/extract-quality.mjs)`,
      }),
    );
    continue;
  }
  const pages = load();
  const extractors = [['moe', (html) => extractMainText(html).text]];
  if (peer) extractors.push(['readability.js', peer]);
  for (const [who, run] of extractors) {
    const scores = [];
    const byLang = new Map();
    let empty = 0;
    let ms = 0;
    let bytes = 0;
    for (const page of pages) {
      const html = decodeHtml(page.html, undefined).text;
      const t0 = performance.now();
      let text = '';
      try {
        text = run(html);
      } catch {
        text = '';
      }
      ms += performance.now() - t0;
      bytes += page.html.length;
      if (!text.trim()) empty += 1;
      const s = page.score(text);
      scores.push(s);
      const lang = languageOf(page);
      if (!byLang.has(lang)) byLang.set(lang, []);
      byLang.get(lang).push(s);
      if (perPage && who === 'moe')
        console.log(JSON.stringify({ page: page.name, lang, ...summarise([s], pooled), chars: text.length }));
    }
    const langs = Object.fromEntries(
      [...byLang.entries()]
        .sort((a, b) => b[1].length - a[1].length)
        .map(([l, ss]) => [l, { pages: ss.length, ...summarise(ss, pooled) }]),
    );
    const nonEnglish = scores.filter((_, i) => languageOf(pages[i]) !== 'eng');
    console.log(
      JSON.stringify({
        bench: 'extract_quality',
        set: name,
        extractor: who,
        pages: pages.length,
        languages: byLang.size,
        ...summarise(scores, pooled),
        not_english: { pages: nonEnglish.length, ...summarise(nonEnglish, pooled) },
        pages_without_text: empty,
        pages_per_s: Math.round(pages.length / (ms / 1000)),
        mb_per_s: +(bytes / 1e6 / (ms / 1000)).toFixed(1),
        by_language: langs,
      }),
    );
  }
}
