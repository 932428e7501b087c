#!/usr/bin/env node
/**
 * Builds the corpus on which `moe filter` is compared with datatrove (corpus/filter-compat/):
 * real documentation, changelogs, markdown, HTML-derived text, news articles and code-heavy
 * pages, one `web` document each, as the part file of an ingest stage.
 *
 *   node scripts/make-filter-corpus.mjs OUT_DIR
 *
 * Sources (each read where this machine has it; the run prints what it took from each):
 * - Debian changelogs and documentation under /usr/share/doc (text, markdown, and HTML pages
 *   through moe's main-text extraction);
 * - markdown documentation of the npm packages in node_modules;
 * - the Debian Administrator's Handbook pages of corpus/handbook.warc.gz;
 * - the 181 news articles of scrapinghub's article-extraction-benchmark (ground-truth bodies) and
 *   trafilatura's evaluation pages (extracted), from bench-data/ when cloned there.
 * A document longer than 8,000 characters is cut at its last line break before that (changelogs
 * run to megabytes). Each document's split is `dev` or `holdout` by a hash of its id (1 in 3 held
 * out): thresholds and fixes are studied on `dev` only, and the test reports both.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { extractMainText } from '../dist/ingest/html.js';
import { decodeHtml } from '../dist/ingest/web.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/make-filter-corpus.mjs OUT_DIR');
  process.exit(1);
}
const MAX = 8_000;
const docs = [];
const taken = {};

function cut(text) {
  text = text.replace(/\r\n?/g, '\n');
  if (text.length <= MAX) return text;
  const at = text.lastIndexOf('\n', MAX);
  return text.slice(0, at > MAX / 2 ? at : MAX);
}

function add(kind, id, text) {
  text = cut(text).trim();
  if (text.length < 200) return;
  if (text.includes('\u0000')) return;
  docs.push({ id: `${kind}/${id}`, text, source: 'web', metadata: { kind } });
  taken[kind] = (taken[kind] ?? 0) + 1;
}

function walk(dir, visit, depth = 0) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && !e.isSymbolicLink() && depth < 8) walk(p, visit, depth + 1);
    else if (e.isFile()) visit(p);
  }
}

const read = (p) => (p.endsWith('.gz') ? gunzipSync(readFileSync(p)) : readFileSync(p));
/** Keeps 1 in `every` of a sorted list, by a hash of the name (a spread, not the first ones). */
const pick = (name, every) => every <= 1 || createHash('sha1').update(name).digest()[0] % every === 0;

// Debian changelogs (upstream and Debian), documentation text and HTML pages
walk('/usr/share/doc', (p) => {
  const name = relative('/usr/share/doc', p);
  const base = name.split('/').pop();
  try {
    if (statSync(p).size > 4_000_000) return;
    if (/^changelog(\.Debian)?(\.gz)?$/.test(base)) {
      if (pick(name, 3)) add('changelog', name, read(p).toString('utf8'));
    } else if (/^(README|NEWS|TODO|FAQ|AUTHORS|THANKS|HISTORY)/i.test(base) || /\.(md|txt|rst)(\.gz)?$/.test(base)) {
      if (pick(name, 2)) add('doc', name, read(p).toString('utf8'));
    } else if (/\.html?$/.test(base)) {
      add('html-doc', name, extractMainText(readFileSync(p, 'utf8')).text);
    }
  } catch (e) {
    console.error(`skipped ${p}: ${e.message}`);
  }
});

// markdown documentation of npm packages (READMEs, changelogs, guides: code-heavy)
walk('node_modules', (p) => {
  if (!/\.md$/i.test(p) || statSync(p).size < 1500) return;
  if (pick(p, 2)) add('markdown', relative('node_modules', p), readFileSync(p, 'utf8'));
});

// the handbook pages bundled for the demo
{
  const warc = gunzipSync(readFileSync('corpus/handbook.warc.gz')).toString('latin1');
  let n = 0;
  for (const rec of warc.split('WARC/1.0\r\n')) {
    const body = rec.indexOf('\r\n\r\n<');
    if (!rec.includes('WARC-Type: response') || body < 0) continue;
    const html = Buffer.from(rec.slice(body + 4), 'latin1');
    add('handbook', String(n++), extractMainText(decodeHtml(html, undefined).text).text);
  }
}

// news articles (ground truth of scrapinghub/article-extraction-benchmark) and trafilatura's pages
const bench = process.env.MOE_EXTRACT_DATA ?? 'bench-data';
try {
  const truth = JSON.parse(readFileSync(join(bench, 'article-extraction-benchmark/ground-truth.json'), 'utf8'));
  for (const [id, v] of Object.entries(truth).sort()) add('news', id, v.articleBody);
} catch (e) {
  console.error(`no news articles: ${e.message}`);
}
walk(join(bench, 'trafilatura/tests/eval'), (p) => {
  if (!/\.html?(\.gz)?$/.test(p)) return;
  add('web-page', p.split('/').pop(), extractMainText(decodeHtml(read(p), undefined).text).text);
});

docs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
for (const d of docs) d.metadata.split = createHash('sha1').update(d.id).digest()[0] % 3 === 0 ? 'holdout' : 'dev';
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'part-00000.jsonl.gz'),
  gzipSync(`${docs.map((d) => JSON.stringify(d)).join('\n')}\n`, { level: 9 }),
);
const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d.text), 0);
console.log(JSON.stringify({ documents: docs.length, bytes, taken }));
