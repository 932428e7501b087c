#!/usr/bin/env node
// `npm run bench`: long measurements kept out of `npm test`. Prints one JSON line per
// benchmark on stdout (progress on stderr). `node scripts/bench.mjs NAME...` runs a subset.
//
// The inputs are real files found on this machine: a Python standard library for code, and
// HTML documentation (the Rust books, /usr/share/doc) packed into a WARC.gz for web.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
// MOE_BENCH_WORK=DIR keeps the generated corpora (and outputs) in DIR for profiling
const work = process.env.MOE_BENCH_WORK ?? mkdtempSync(join(tmpdir(), 'moe-bench-'));
if (!process.env.MOE_BENCH_WORK) process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function moe(args) {
  const r = spawnSync(process.execPath, [join(root, 'bin/moe'), ...args, '--json', '--quiet'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`moe ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** `node ARGS` under /usr/bin/time (when there is one): its last stdout line as JSON, user + system CPU seconds, peak RSS in KiB. */
function nodeTimed(args) {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const r = timeBin
    ? spawnSync(timeBin, ['-f', 'MOE_TIME %U %S %M', process.execPath, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      })
    : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  const t = /MOE_TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  return {
    summary: JSON.parse(r.stdout.trim().split('\n').pop()),
    cpu: t ? +(+t[1] + +t[2]).toFixed(2) : null,
    rssKb: t ? +t[3] : null,
  };
}

/** `moe ARGS --json --quiet`, timed as `nodeTimed` does. */
function moeTimed(args) {
  return nodeTimed([join(root, 'bin/moe'), ...args, '--json', '--quiet']);
}

/** MB/s per worker of the filter and tokenize stages, by worker count, for the line that sets them side by side. */
const perWorker = { filter: {}, tokenize: {} };

function emit(record) {
  if (record.bench === 'filter_web') perWorker.filter[record.workers] = record.mb_per_s_per_worker;
  if (record.bench === 'tokenize_shards') perWorker.tokenize[record.workers] = record.mb_per_s_per_worker;
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

function pythonStdlib() {
  const candidates = [join(homedir(), '.pyenv/versions')].flatMap((d) =>
    existsSync(d) ? readdirSync(d).map((v) => join(d, v, 'lib')) : [],
  );
  candidates.push('/usr/lib');
  for (const base of candidates) {
    for (const name of existsSync(base) ? readdirSync(base).sort().reverse() : []) {
      const dir = join(base, name);
      if (/^python3\.\d+$/.test(name) && existsSync(join(dir, 'os.py'))) return dir;
    }
  }
  return undefined;
}

function ingestBench(name, inputs, extra = {}) {
  const inputBytes = extra.inputBytes;
  for (const workers of [1, 2]) {
    const out = join(work, `${name}-${workers}`);
    const r = moe(['ingest', ...inputs, '--out', out, '--workers', String(workers), ...(extra.args ?? [])]);
    // for WARC the figure is uncompressed HTML per second (what the extractor chews through)
    const mb = (inputBytes ?? r.counts.bytes_in) / 1e6;
    const pages = extra.pages ? { pages_per_s_per_worker: Math.round(extra.pages / r.seconds / workers) } : {};
    emit({
      bench: name,
      workers,
      input: extra.label ?? inputs.join(' '),
      input_mb: +mb.toFixed(1),
      files: r.counts.files_in,
      docs: r.docs_out,
      seconds: r.seconds,
      mb_per_s: +(mb / r.seconds).toFixed(1),
      docs_per_s: Math.round(r.docs_out / r.seconds),
      ...pages,
    });
    rmSync(out, { recursive: true, force: true });
  }
}

const benches = {
  ingest_code() {
    const dir = pythonStdlib();
    if (!dir) return emit({ bench: 'ingest_code', skipped: 'no Python standard library found' });
    ingestBench('ingest_code', [dir], { args: ['--source', 'code'] });
  },
  ingest_warc() {
    // real HTML pages from documentation on this machine, one response record each
    const toolchains = join(homedir(), '.rustup/toolchains');
    const dirs = [
      ...(existsSync(toolchains) ? readdirSync(toolchains).map((t) => join(toolchains, t, 'share/doc/rust/html')) : []),
      '/usr/share/doc',
    ];
    const target = 100e6;
    const members = [];
    let bytes = 0;
    let n = 0;
    for (const dir of dirs) {
      for (const file of walk(dir)) {
        if (bytes >= target) break;
        if (!file.endsWith('.html') || statSync(file).size < 2000) continue;
        const html = readFileSync(file);
        const http = Buffer.concat([
          Buffer.from(
            `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${html.length}\r\n\r\n`,
          ),
          html,
        ]);
        const head = `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: file://${file}\r\nWARC-Date: 2026-01-01T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-${String(n++).padStart(12, '0')}>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${http.length}\r\n\r\n`;
        members.push(gzipSync(Buffer.concat([Buffer.from(head), http, Buffer.from('\r\n\r\n')]), { level: 1 }));
        bytes += html.length;
      }
    }
    if (n === 0) return emit({ bench: 'ingest_warc', skipped: 'no HTML documentation found' });
    const warc = join(work, 'docs.warc.gz');
    writeFileSync(warc, Buffer.concat(members));
    process.stderr.write(`ingest_warc: ${n} HTML pages, ${(bytes / 1e6).toFixed(1)} MB of HTML\n`);
    // eight files of about equal size (as crawl files are), so --workers 2 has work to share:
    // a file is one task, so one very large file would leave the second worker idle
    const parts = [];
    const total = members.reduce((s, m) => s + m.length, 0);
    let group = [];
    let size = 0;
    const flush = () => {
      const p = join(work, `docs-${parts.length}.warc.gz`);
      writeFileSync(p, Buffer.concat(group));
      parts.push(p);
      group = [];
      size = 0;
    };
    for (const m of members) {
      group.push(m);
      size += m.length;
      if (size >= total / 8 && parts.length < 7) flush();
    }
    if (group.length) flush();
    rmSync(warc);
    ingestBench('ingest_warc', parts, {
      inputBytes: bytes,
      pages: n,
      label: `${n} HTML pages in ${parts.length} WARC.gz files`,
    });
  },
  async ingest_arxiv() {
    // bulk src tars as arXiv serves them (YYMM/ID.gz members, each a gzipped paper tarball or a
    // gzipped .tex), made from the real-layout papers of fixtures/arxiv-layouts with their main
    // section files grown to the size of a real paper's (40 copies of their text), under fresh ids
    const tar = (await import('tar-stream')).default;
    const pack = async (entries) => {
      const p = tar.pack();
      for (const [name, data] of entries) p.entry({ name, size: data.length, mtime: new Date(0) }, data);
      p.finalize();
      const chunks = [];
      for await (const c of p) chunks.push(c);
      return Buffer.concat(chunks);
    };
    const layouts = join(root, 'fixtures/arxiv-layouts');
    const filesOf = (dir, base = dir) =>
      readdirSync(dir)
        .sort()
        .flatMap((n) =>
          statSync(join(dir, n)).isDirectory()
            ? filesOf(join(dir, n), base)
            : [[join(dir, n).slice(base.length + 1), readFileSync(join(dir, n))]],
        );
    const papers = readdirSync(layouts)
      .sort()
      .map((k) => filesOf(join(layouts, k)));
    const grow = (files, i) =>
      files.map(([name, data]) => {
        // section files only: a main file would repeat its \\inputs and definitions
        const text = data.toString('utf8');
        if (!/\.tex$/.test(name) || !text.includes('\\section') || /\\(documentclass|documentstyle|input)\b/.test(text))
          return [name, data];
        const para = text.replace(/\\section\*?\{[^}]*\}/g, '');
        return [
          name,
          Buffer.from(text + Array.from({ length: 40 }, (_, j) => `\n\\subsection{Part ${i}.${j}}\n${para}`).join('')),
        ];
      });
    const dir = join(work, 'arxiv-bulk');
    mkdirSync(dir, { recursive: true });
    let texBytes = 0;
    let bulkBytes = 0;
    let n = 0;
    for (let t = 0; t < 4; t++) {
      const members = [];
      for (let k = 0; k < 150; k++, n++) {
        const files = grow(papers[n % papers.length], n);
        for (const [name, data] of files) if (/\.(tex|sty)$/.test(name)) texBytes += data.length;
        const id = `2404.${String(10000 + n).padStart(5, '0')}`;
        members.push([`2404/${id}.gz`, gzipSync(await pack(files), { level: 6 })]);
      }
      const bulk = await pack(members);
      bulkBytes += bulk.length;
      writeFileSync(join(dir, `arXiv_src_2404_${String(t + 1).padStart(3, '0')}.tar`), bulk);
    }
    process.stderr.write(
      `ingest_arxiv: ${n} papers in 4 bulk tars, ${(bulkBytes / 1e6).toFixed(1)} MB of tar, ${(texBytes / 1e6).toFixed(1)} MB of TeX\n`,
    );
    for (const workers of [1, 2]) {
      const out = join(work, `ingest_arxiv-${workers}`);
      const r = moe(['ingest', dir, '--out', out, '--workers', String(workers)]);
      emit({
        bench: 'ingest_arxiv',
        workers,
        input: `${n} papers in 4 bulk src tars`,
        tar_mb: +(bulkBytes / 1e6).toFixed(1),
        tex_mb: +(texBytes / 1e6).toFixed(1),
        docs: r.docs_out,
        seconds: r.seconds,
        papers_per_s_per_worker: Math.round(r.docs_out / r.seconds / workers),
        tar_mb_per_s_per_worker: +(bulkBytes / 1e6 / r.seconds / workers).toFixed(1),
        tex_mb_per_s_per_worker: +(texBytes / 1e6 / r.seconds / workers).toFixed(1),
      });
      rmSync(out, { recursive: true, force: true });
    }
  },
  extract_quality() {
    // main-text quality on real pages (trafilatura's evaluation set and the article-extraction
    // benchmark when present under MOE_EXTRACT_DATA or bench-data/, this repository's own pages
    // always), moe beside Readability.js from the same run: see scripts/extract-quality.mjs
    const r = spawnSync(process.execPath, [join(root, 'scripts/extract-quality.mjs')], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) throw new Error(`extract-quality failed:\n${r.stderr}`);
    process.stdout.write(r.stdout);
  },
};

/** UTF-8 text files (1 kB – 1 MB) under the roots whose names match `pattern`, each once, in walk order. */
function* textFiles(roots, pattern) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const seen = new Set();
  for (const r of roots) {
    for (const f of walk(r)) {
      if (!pattern.test(f) || seen.has(f)) continue;
      seen.add(f);
      const size = statSync(f).size;
      if (size < 1000 || size > 1e6) continue;
      try {
        yield { file: f, text: decoder.decode(readFileSync(f)), index: seen.size };
      } catch {
        /* not UTF-8 */
      }
    }
  }
}

/** Real text documents from .md/.txt/.rst files on this machine, as one stage folder (≥ 40 MB). */
function textCorpus() {
  const dir = join(work, 'text-corpus');
  if (existsSync(dir)) return dir;
  const roots = [
    '/usr/share/doc',
    '/usr/share',
    '/usr/lib',
    join(homedir(), '.pyenv/versions'),
    join(homedir(), '.rustup/toolchains'),
    `${root.replace(/\/$/, '')}/node_modules`,
  ];
  const lines = [];
  let bytes = 0;
  for (const { file, text } of textFiles(roots, /\.(md|txt|rst)$/i)) {
    lines.push(JSON.stringify({ id: file, text, source: 'web', metadata: {} }));
    bytes += Buffer.byteLength(text);
    if (bytes >= 60e6) break;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'part-00000.jsonl.gz'), gzipSync(`${lines.join('\n')}\n`, { level: 1 }));
  process.stderr.write(`text corpus: ${lines.length} documents, ${(bytes / 1e6).toFixed(1)} MB\n`);
  return dir;
}

benches.filter_web = () => {
  const input = textCorpus();
  for (const workers of [1, 2]) {
    const out = join(work, `filter-${workers}`);
    rmSync(out, { recursive: true, force: true });
    const { summary: r, cpu } = moeTimed(['filter', '--in', input, '--out', out, '--workers', String(workers)]);
    const mb = r.bytes_in / 1e6;
    emit({
      bench: 'filter_web',
      chain: 'default web chain (language, gopher-repetition, gopher-quality, c4-lines, c4, fineweb)',
      workers,
      input_mb: +mb.toFixed(1),
      docs: r.docs_in,
      kept: r.docs_out,
      seconds: r.seconds,
      mb_per_s: +(mb / r.seconds).toFixed(1),
      mb_per_s_per_worker: +(mb / r.seconds / workers).toFixed(1),
      target_mb_per_s_per_worker: 25,
      // user + system CPU of the whole process (main thread, workers, V8's compiler and GC threads; with startup)
      cpu_seconds: cpu,
    });
    rmSync(out, { recursive: true, force: true });
  }
};

/**
 * moe's filters beside datatrove's four (FineWeb's settings, spaCy's English words), per core, in
 * one run: moe on all of corpus/filter-compat (13 MB, one worker, the stage's own seconds), in
 * both settings; datatrove on its first 800 documents (4 MB: it takes minutes on all of it), the
 * CPU time of its four filters. datatrove runs where scripts/datatrove-reference.sh made its
 * environment (MOE_DATATROVE_VENV, default bench-data/datatrove-venv).
 */
benches.filter_vs_datatrove = () => {
  const corpus = join(root, 'corpus/filter-compat/corpus');
  const record = { bench: 'filter_vs_datatrove' };
  for (const compat of ['moe', 'datatrove']) {
    const out = join(work, `filter-compat-${compat}`);
    rmSync(out, { recursive: true, force: true });
    const r = moe(['filter', '--in', corpus, '--out', out, '--workers', '1', '--set', `filter.compat=${compat}`]);
    record.moe_input_mb = +(r.bytes_in / 1e6).toFixed(1);
    record[`moe_${compat}_mb_per_s_per_core`] = +(r.bytes_in / 1e6 / r.seconds).toFixed(2);
    rmSync(out, { recursive: true, force: true });
  }
  const venv = process.env.MOE_DATATROVE_VENV ?? join(root, 'bench-data/datatrove-venv');
  if (existsSync(join(venv, 'bin/python'))) {
    const docs = gunzipSync(readFileSync(join(corpus, 'part-00000.jsonl.gz')))
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, 800);
    const input = join(work, 'filter-compat-800');
    mkdirSync(input, { recursive: true });
    writeFileSync(join(input, 'part-00000.jsonl.gz'), gzipSync(`${docs.join('\n')}\n`));
    const r = spawnSync(
      join(venv, 'bin/python'),
      [join(root, 'scripts/datatrove-reference.py'), input, join(work, 'datatrove-decisions.jsonl')],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    if (r.status !== 0) throw new Error(`datatrove failed:\n${r.stderr}`);
    const dt = JSON.parse(r.stderr.trim().split('\n').pop());
    record.datatrove_input_mb = +(dt.bytes / 1e6).toFixed(1);
    record.datatrove_mb_per_s_per_core = dt.mb_per_s;
    record.moe_vs_datatrove = +(record.moe_moe_mb_per_s_per_core / dt.mb_per_s).toFixed(1);
    record.moe_datatrove_vs_datatrove = +(record.moe_datatrove_mb_per_s_per_core / dt.mb_per_s).toFixed(1);
    record.target_vs_datatrove = 20;
  } else record.datatrove = `not run: no Python environment at ${venv} (bash scripts/datatrove-reference.sh makes one)`;
  emit(record);
};

benches.dedup_text = () => {
  const input = textCorpus();
  for (const workers of [1, 2]) {
    const out = join(work, `dedup-${workers}`);
    for (const stale of [out, join(work, `dedup-${workers}.sqlite`)]) rmSync(stale, { recursive: true, force: true }); // MOE_BENCH_WORK keeps them
    const r = moe([
      'dedup',
      '--in',
      input,
      '--out',
      out,
      '--db',
      join(work, `dedup-${workers}.sqlite`),
      '--workers',
      String(workers),
    ]);
    const mb = bytesOfStage(input) / 1e6;
    emit({
      bench: 'dedup_text',
      workers,
      params: r.params,
      input_mb: +mb.toFixed(1),
      docs: r.docs_in,
      removed: r.exact_duplicates + r.near_duplicates,
      seconds: r.seconds,
      mb_per_s: +(mb / r.seconds).toFixed(1),
      mb_per_s_per_worker: +(mb / r.seconds / workers).toFixed(1),
      docs_per_s: Math.round(r.docs_in / r.seconds),
      // pass 1 + clustering: shingles, signatures, SQLite LSH index, union-find (what datasketch's figure covers)
      index_seconds: r.index_seconds,
      index_mb_per_s_per_worker: +(mb / r.index_seconds / workers).toFixed(1),
      target_mb_per_s_per_worker: 80,
      peer: {
        name: 'datasketch (MinHash + MinHashLSH, 128 permutations)',
        mb_per_s: null,
        note: 'not installable here (not on PyPI mirror or in Debian); the issue quotes 4.1 MB/s on one core of this machine',
      },
    });
  }
};

benches.minhash_core = async () => {
  // what datasketch's figure covers (MinHash + MinHashLSH over texts in memory), on one thread:
  // moe's normalisation, shingles, signatures and exact keys, then its SQLite LSH index and
  // clustering — the code \`moe dedup\` runs, without reading/writing gzip JSONL or starting workers
  const texts = [];
  const ids = [];
  for (const f of readdirSync(textCorpus()).filter((n) => n.endsWith('.jsonl.gz'))) {
    for (const line of gunzipSync(readFileSync(join(textCorpus(), f)))
      .toString('utf8')
      .split('\n')) {
      if (!line) continue;
      const d = JSON.parse(line);
      texts.push(d.text);
      ids.push(d.id);
    }
  }
  const mb = texts.reduce((a, t) => a + Buffer.byteLength(t), 0) / 1e6;
  const { signTexts } = await import('../dist/dedup/task.js');
  const { indexBatch, SCHEME } = await import('../dist/dedup/run.js');
  const { DedupDb } = await import('../dist/io/dedup-db.js');
  const { StageStats } = await import('../dist/core/stats.js');
  const params = { bands: 14, rows: 8, ngram: 5, seed: 1 };
  const dbPath = join(work, 'minhash-core.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const index = DedupDb.open(dbPath, { ...params, scheme: SCHEME });
  const b = index.batchFor('bench', 0);
  let signSeconds = 0;
  async function* signed() {
    // about 1 MB of documents at a time, as dedup's tasks
    for (let i = 0; i < texts.length; ) {
      let j = i;
      for (let bytes = 0; j < texts.length && bytes < 1 << 20; j++) bytes += texts[j].length;
      const t = performance.now();
      const chunk = await signTexts('bench', ids.slice(i, j), texts.slice(i, j), params);
      signSeconds += (performance.now() - t) / 1000;
      yield chunk;
      i = j;
    }
  }
  const t0 = performance.now();
  await indexBatch(
    { params, input: '', out: '', db: dbPath, workers: 0 },
    index,
    b.batch,
    b.firstSeq,
    new StageStats(),
    signed(),
  );
  const seconds = (performance.now() - t0) / 1000;
  const clusters = index.db.prepare('SELECT count(DISTINCT cluster) AS n FROM docs').get().n;
  index.close();
  emit({
    bench: 'minhash_core',
    threads: 1,
    input_mb: +mb.toFixed(1),
    docs: texts.length,
    survivors: clusters,
    seconds: +seconds.toFixed(3),
    mb_per_s_per_core: +(mb / seconds).toFixed(1),
    sign_mb_per_s: +(mb / signSeconds).toFixed(1),
    index_seconds: +(seconds - signSeconds).toFixed(3),
    target_mb_per_s_per_worker: 80,
    peer: {
      name: 'datasketch (MinHash + MinHashLSH, 128 permutations)',
      mb_per_s_per_core: 4.1,
      note: "the issue's figure for this machine; datasketch is not installable here",
    },
  });
};

benches.format_floor = () => {
  // the least any stage reading and rewriting gzip JSONL parts pays (one thread, best of 3): gunzip,
  // UTF-8 decoding, JSON parsing; then serialising each document with a metadata field added and gzip level 1.
  // dedup reads its input twice (signatures, then outputs) and rewrites nearly all of it.
  const gz = readFileSync(join(textCorpus(), 'part-00000.jsonl.gz'));
  const best = {};
  let mb = 0;
  for (let rep = 0; rep < 3; rep++) {
    const t = {};
    let t0 = performance.now();
    const raw = gunzipSync(gz);
    t.gunzip = performance.now() - t0;
    t0 = performance.now();
    const text = new TextDecoder().decode(raw);
    t.decode = performance.now() - t0;
    t0 = performance.now();
    const docs = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    t.parse = performance.now() - t0;
    mb = docs.reduce((a, d) => a + Buffer.byteLength(d.text), 0) / 1e6;
    t0 = performance.now();
    const out = Buffer.from(
      docs
        .map(
          (d) =>
            `${JSON.stringify({ ...d, metadata: { ...d.metadata, dedup: { cluster_id: d.id, cluster_size: 1 } } })}\n`,
        )
        .join(''),
    );
    t.serialize = performance.now() - t0;
    t0 = performance.now();
    gzipSync(out, { level: 1 });
    t.gzip = performance.now() - t0;
    for (const [k, v] of Object.entries(t)) best[k] = Math.min(best[k] ?? Infinity, v);
  }
  const read = best.gunzip + best.decode + best.parse;
  const write = best.serialize + best.gzip;
  // the least a dedup run can spend on I/O: read everything once (it must parse to get the texts),
  // then decompress and recompress it again to add metadata.dedup, even if it patched the JSON
  // text instead of parsing and serialising it
  const least = (read + best.gunzip + best.gzip) / 1000;
  emit({
    bench: 'format_floor',
    input_mb: +mb.toFixed(1),
    ms: Object.fromEntries(Object.entries(best).map(([k, v]) => [k, Math.round(v)])),
    read_core_seconds: +(read / 1000).toFixed(3),
    rewrite_core_seconds: +(write / 1000).toFixed(3),
    least_dedup_io_core_seconds: +least.toFixed(3),
    // on 2 cores with --workers 2, no dedup doing that I/O can pass this many MB/s per worker, however fast its MinHash
    max_dedup_mb_per_s_per_worker_at_2_workers: +(mb / (least / 2) / 2).toFixed(1),
  });
};

benches.filter_floor = () => {
  // what a filter run on two workers must spend before and besides judging, each part measured
  // in a fresh process (the least of 3): moe's pool reading and parsing the corpus with workers
  // that judge nothing, and the default web chain's first (cold) and second (warm) pass on one
  // thread. The estimate is optimistic: on one thread V8 compiles on the idle second core, and
  // two workers scale perfectly
  const input = textCorpus();
  const run = (...args) => {
    const { summary, cpu } = nodeTimed([join(root, 'scripts/filter-floor.mjs'), ...args]);
    return { ...summary, cpu };
  };
  const best = (f) => [0, 1, 2].map(f).reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const floor = { 1: best(() => run('pool', input, '1')), 2: best(() => run('pool', input, '2')) };
  const pool = { 1: floor[1].seconds, 2: floor[2].seconds };
  // the least of each over three runs: one run's cold pass may be slow and its warm one quick
  const chainRuns = [0, 1, 2].map(() => run('chain', input));
  const chain = {
    bytes: chainRuns[0].bytes,
    cold_seconds: Math.min(...chainRuns.map((r) => r.cold_seconds)),
    warm_seconds: Math.min(...chainRuns.map((r) => r.warm_seconds)),
  };
  const mb = chain.bytes / 1e6;
  const warmup = Math.max(0, chain.cold_seconds - chain.warm_seconds);
  // 25 MB/s per worker on two workers is the whole run in this many seconds
  const target = mb / (25 * 2);
  // each worker pays the pool's floor and its own JIT warm-up, then judges half the corpus
  const left = target - pool[2] - warmup;
  emit({
    bench: 'filter_floor',
    input_mb: +mb.toFixed(1),
    pool_parse_only_seconds: { workers_1: +pool[1].toFixed(3), workers_2: +pool[2].toFixed(3) },
    // CPU of that whole process at --workers 2 (with node's start), against the two cores' budget for the target
    pool_parse_only_cpu_seconds_at_2_workers: floor[2].cpu,
    cpu_budget_seconds_at_2_workers: +(2 * target).toFixed(3),
    chain_cold_seconds: +chain.cold_seconds.toFixed(3),
    chain_warm_seconds: +chain.warm_seconds.toFixed(3),
    chain_warm_mb_per_s_per_core: +(mb / chain.warm_seconds).toFixed(1),
    jit_warmup_seconds_per_worker: +warmup.toFixed(3),
    target_seconds_at_2_workers: +target.toFixed(3),
    // the warm chain speed that 25 MB/s per worker on two workers needs (null: not even with an infinitely fast chain)
    needed_chain_warm_mb_per_s_per_core_at_2_workers: left > 0 ? +(mb / 2 / left).toFixed(1) : null,
    // with today's chain: the pool's floor, the warm-up, then half the corpus at the warm speed on each worker
    estimated_best_mb_per_s_per_worker_at_2_workers: +(mb / (pool[2] + warmup + chain.warm_seconds / 2) / 2).toFixed(1),
  });
};

benches.dedup_1m = () => {
  // one million short synthetic documents, 5% of them near copies of earlier ones
  const dir = join(work, 'dedup-1m');
  mkdirSync(dir, { recursive: true });
  let a = 12345;
  const rand = () => (a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 4294967296;
  const vocab = Array.from({ length: 50000 }, (_, i) => `w${i.toString(36)}`.replace(/\d/g, (d) => 'abcdefghij'[+d]));
  const docs = [];
  const chunks = [];
  for (let i = 0; i < 1_000_000; i++) {
    let words;
    if (i > 1000 && rand() < 0.05) {
      words = docs[Math.floor(rand() * docs.length)].slice();
      words[Math.floor(rand() * words.length)] = vocab[Math.floor(rand() * vocab.length)];
    } else words = Array.from({ length: 25 }, () => vocab[Math.floor(rand() ** 2 * vocab.length)]);
    if (docs.length < 20000) docs.push(words);
    else docs[i % 20000] = words;
    chunks.push(JSON.stringify({ id: `d${i}`, text: words.join(' '), source: 'web', metadata: {} }));
  }
  writeFileSync(join(dir, 'part-00000.jsonl.gz'), gzipSync(`${chunks.join('\n')}\n`, { level: 1 }));
  const out = join(work, 'dedup-1m-out');
  for (const stale of [out, join(work, 'dedup-1m.sqlite')]) rmSync(stale, { recursive: true, force: true }); // MOE_BENCH_WORK keeps them
  const { summary, rssKb } = moeTimed([
    'dedup',
    '--in',
    dir,
    '--out',
    out,
    '--db',
    join(work, 'dedup-1m.sqlite'),
    '--workers',
    '2',
  ]);
  emit({
    bench: 'dedup_1m',
    docs: summary.docs_in,
    removed: summary.exact_duplicates + summary.near_duplicates,
    seconds: summary.seconds,
    peak_rss_mib: rssKb ? Math.round(rssKb / 1024) : null,
    limit_mib: 4096,
  });
};

benches.tokenize_encode = async () => {
  const input = textCorpus();
  const tokFile = join(work, 'gpt2-tokenizer.json');
  const { tiktokenToHf } = await import('./tiktoken-to-hf.mjs');
  writeFileSync(tokFile, JSON.stringify(tiktokenToHf('gpt2')));
  // one thread each, same texts, same run: moe's encoder and the npm tiktoken package (Rust → WASM)
  const { BpeTokenizer } = await import('../dist/tokenizer/bpe.js');
  const { get_encoding } = await import('tiktoken');
  const texts = [];
  for (const f of readdirSync(input).filter((n) => n.endsWith('.jsonl.gz'))) {
    for (const line of gunzipSync(readFileSync(join(input, f)))
      .toString('utf8')
      .split('\n'))
      if (line) texts.push(JSON.parse(line).text);
  }
  const mb = texts.reduce((s, t) => s + Buffer.byteLength(t), 0) / 1e6;
  const ours = BpeTokenizer.load(tokFile);
  let t0 = performance.now();
  let tokens = 0;
  for (const t of texts) tokens += ours.encode(t).length;
  const oursS = (performance.now() - t0) / 1000;
  const enc = get_encoding('gpt2');
  t0 = performance.now();
  let peerTokens = 0;
  for (const t of texts) peerTokens += enc.encode_ordinary(t).length;
  const peerS = (performance.now() - t0) / 1000;
  enc.free();
  // the Rust tokenizers library through its Node binding (one document at a time, as moe encodes)
  const { Tokenizer } = await import('tokenizers');
  // without its special token: moe and tiktoken's encode_ordinary read "<|endoftext|>" in a text as text
  const rust = Tokenizer.fromString(JSON.stringify({ ...tiktokenToHf('gpt2'), added_tokens: [] }));
  t0 = performance.now();
  let rustTokens = 0;
  for (const t of texts) rustTokens += (await rust.encode(t, null, { addSpecialTokens: false })).getIds().length;
  const rustS = (performance.now() - t0) / 1000;
  emit({
    bench: 'tokenize_encode',
    vocabulary: 'gpt2',
    input_mb: +mb.toFixed(1),
    tokens,
    same_tokens_as_peer: tokens === peerTokens,
    mb_per_s_per_thread: +(mb / oursS).toFixed(2),
    peer: { name: 'tiktoken (npm, Rust core in WASM)', mb_per_s_per_thread: +(mb / peerS).toFixed(2) },
    rust_tokenizers: {
      name: 'tokenizers (npm, the Rust library through Node)',
      same_tokens: rustTokens === tokens,
      mb_per_s: +(mb / rustS).toFixed(2),
    },
  });
  for (const workers of [1, 2]) {
    const out = join(work, `shards-${workers}`);
    const r = moe(['tokenize', '--in', input, '--tokenizer', tokFile, '--out', out, '--workers', String(workers)]);
    emit({
      bench: 'tokenize_shards',
      workers,
      input_mb: +(r.bytes_in / 1e6).toFixed(1),
      seconds: r.seconds,
      mb_per_s: +(r.bytes_in / 1e6 / r.seconds).toFixed(2),
      mb_per_s_per_worker: +(r.bytes_in / 1e6 / r.seconds / workers).toFixed(2),
    });
    rmSync(out, { recursive: true, force: true });
  }
};

benches.tokenizer_train = async () => {
  // ~100 MB of real text (documentation and source files on this machine) and 5 MB held out
  const dir = join(work, 'tok-train');
  mkdirSync(dir, { recursive: true });
  const roots = [
    '/usr/share/doc',
    '/usr/share',
    join(homedir(), '.pyenv/versions'),
    '/usr/lib',
    join(homedir(), '.rustup/toolchains'),
  ];
  const train = [];
  const held = [];
  let trainBytes = 0;
  let heldBytes = 0;
  for (const { text, index } of textFiles(roots, /\.(md|txt|rst|py)$/i)) {
    // every 20th file is held out
    if (index % 20 === 0 && heldBytes < 5e6) {
      held.push(
        text
          .split('\n')
          .map((l) => l.replace(/[ \t]+/g, ' ').trim())
          .filter(Boolean)
          .join('\n'),
      );
      heldBytes += text.length;
    } else if (trainBytes < 100e6) {
      train.push(text);
      trainBytes += Buffer.byteLength(text);
    }
    if (trainBytes >= 100e6 && heldBytes >= 5e6) break;
  }
  writeFileSync(join(dir, 'train.txt'), train.join('\n\n'));
  writeFileSync(join(dir, 'held.txt'), held.join('\n'));
  const vocab = 32000;
  const r = moe([
    'tokenizer',
    'train',
    '--in',
    join(dir, 'train.txt'),
    '--vocab-size',
    String(vocab),
    '--out',
    join(dir, 'ours.json'),
  ]);
  const { BpeTokenizer } = await import('../dist/tokenizer/bpe.js');
  const ours = BpeTokenizer.load(join(dir, 'ours.json'));
  const heldText = readFileSync(join(dir, 'held.txt'), 'utf8');
  let oursTokens = 0;
  for (const line of heldText.split('\n')) if (line) oursTokens += ours.encode(line).length;
  const heldB = Buffer.byteLength(heldText);
  const record = {
    bench: 'tokenizer_train',
    vocab_size: vocab,
    train_mb: +(trainBytes / 1e6).toFixed(1),
    heldout_mb: +(heldB / 1e6).toFixed(1),
    seconds: r.seconds,
    heldout_bytes_per_token: +(heldB / oursTokens).toFixed(4),
  };
  const py = '/usr/bin/python3';
  const hasSp = spawnSync(py, ['-c', 'import sentencepiece'], { encoding: 'utf8' }).status === 0;
  if (!hasSp)
    return emit({
      ...record,
      peer: { name: 'SentencePiece BPE', note: 'not installed: apt-get install python3-sentencepiece' },
    });
  const sp = spawnSync(
    py,
    [
      join(root, 'scripts/sentencepiece-bpe.py'),
      join(dir, 'train.txt'),
      join(dir, 'held.txt'),
      String(vocab),
      join(dir, 'sp'),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (sp.status !== 0) return emit({ ...record, peer: { name: 'SentencePiece BPE', error: sp.stderr.slice(-500) } });
  const p = JSON.parse(sp.stdout.trim().split('\n').pop());
  const peerBpt = p.heldout_bytes / p.heldout_tokens;
  emit({
    ...record,
    peer: {
      name: 'SentencePiece BPE (python3-sentencepiece)',
      seconds: +p.seconds.toFixed(1),
      heldout_bytes_per_token: +peerBpt.toFixed(4),
    },
    compression_vs_peer: +(heldB / oursTokens / peerBpt - 1).toFixed(4),
    target: 'compression within 2% of the peer, training faster than the peer',
  });
};

benches.train_moe = async () => {
  // the configuration, 20 steps of batch 8 (2 micro-batches of 4, one per worker) on the wasm backend, on random tokens
  const model = {
    vocab_size: 4096,
    d_model: 256,
    n_layers: 4,
    n_heads: 4,
    max_seq_len: 256,
    dense_layers: 1,
    d_ff: 1024,
    n_routed_experts: 8,
    n_shared_experts: 1,
    top_k: 2,
    d_expert: 256,
    router: 'softmax',
    norm_topk_prob: true,
  };
  const steps = 20;
  const dir = join(work, 'train-bench');
  mkdirSync(join(dir, 'shards'), { recursive: true });
  const { MegatronWriter, DTYPE_UINT16 } = await import('../dist/io/megatron.js');
  let a = 7;
  const rand = () => (a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 4294967296;
  for (const split of ['train', 'val']) {
    const w = new MegatronWriter(join(dir, 'shards', `${split}_text_document`), DTYPE_UINT16);
    for (let d = 0; d < 200; d++) w.add(Uint16Array.from({ length: 1000 }, () => Math.floor(rand() * 4096)));
    w.close();
  }
  writeFileSync(
    join(dir, 'shards', 'shards.json'),
    JSON.stringify({
      vocab_size: 4096,
      dtype: 'uint16',
      eot_id: 0,
      val_fraction: 0.5,
      tokenizer_sha256: '',
      splits: {
        train: { prefix: 'train_text_document', docs: 200, tokens: 200000 },
        val: { prefix: 'val_text_document', docs: 200, tokens: 200000 },
      },
    }),
  );
  writeFileSync(
    join(dir, 'c.yaml'),
    `model: ${JSON.stringify(model)}\ntrain: { steps: ${steps}, batchSize: 4, gradAccum: 2, logEvery: 1, evalEvery: 1000, evalTokens: 1028, checkpointEvery: 1000 }\n`,
  );
  const D = model.d_model;
  const active =
    model.n_layers * 4 * D * D +
    model.dense_layers * 3 * D * model.d_ff +
    (model.n_layers - model.dense_layers) *
      ((model.top_k + model.n_shared_experts) * 3 * D * model.d_expert + D * model.n_routed_experts) +
    model.vocab_size * D;
  const flopsPerToken = 6 * active + 12 * model.n_layers * model.max_seq_len * D;
  const share = await matmulShare(model, join(dir, 'shards', 'train_text_document'));
  const runs = {};
  for (const workers of [1, 2]) {
    rmSync(join(dir, `run-${workers}`), { recursive: true, force: true });
    const r = moe([
      'train',
      '--config',
      join(dir, 'c.yaml'),
      '--data',
      join(dir, 'shards'),
      '--out',
      join(dir, `run-${workers}`),
      '--backend',
      'wasm',
      '--workers',
      String(workers),
    ]);
    const warm = r.history.slice(3); // after warm-up: steps 4–20
    const seconds = warm.reduce((s, m) => s + (2 * 4 * 256) / m.tokens_per_s, 0);
    // the share of step time spent waiting for data (the next micro-batch is read while one computes)
    const waitShare = warm.reduce((s, m) => s + m.data_wait_ms, 0) / 1000 / seconds;
    runs[workers] = {
      tokens_per_s: Math.round((warm.length * 2 * 4 * 256) / seconds),
      data_wait_share: +waitShare.toPrecision(2),
      sha: createHash('sha256')
        .update(
          readFileSync(
            join(dir, `run-${workers}`, 'checkpoints', `step-${String(steps).padStart(6, '0')}`, 'model.safetensors'),
          ),
        )
        .digest('hex')
        .slice(0, 16),
    };
  }
  const best = runs[2].tokens_per_s;
  const record = {
    bench: 'train_moe',
    backend: 'wasm',
    steps,
    batch: '8 (2 micro-batches of 4 x 256 tokens)',
    tokens_per_s: best,
    tokens_per_s_1_worker: runs[1].tokens_per_s,
    data_wait_share: runs[2].data_wait_share,
    data_wait_share_1_worker: runs[1].data_wait_share,
    data_wait_target: 'under 0.02 of step time',
    same_weights_1_vs_2_workers: runs[1].sha === runs[2].sha,
    model_gflops_per_s: +((best * flopsPerToken) / 1e9).toFixed(1),
    matmul_share: share,
  };
  const py = '/usr/bin/python3';
  if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0)
    return emit({
      ...record,
      peer: { name: 'PyTorch CPU', note: 'not installed: apt-get install python3-torch libopenblas0-pthread' },
    });
  const p = spawnSync(py, [join(root, 'scripts/torch-moe-train.py'), JSON.stringify(model), String(steps), '8'], {
    encoding: 'utf8',
  });
  const peer = p.status === 0 ? JSON.parse(p.stdout.trim().split('\n').pop()) : { error: p.stderr.slice(-300) };
  const blas = spawnSync('sh', ['-c', 'readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3'], {
    encoding: 'utf8',
  }).stdout.trim();
  emit({
    ...record,
    peer: { name: 'PyTorch CPU (Debian python3-torch, eager MoE, AdamW)', blas, ...peer },
    ratio_to_peer: peer.tokens_per_s ? +(best / peer.tokens_per_s).toFixed(3) : null,
    target: 'at least half of PyTorch tokens/s',
  });
};

/** Share of one micro-batch's fwd+bwd wall time spent in matmul kernels (tf.profile, after a warm-up). */
async function matmulShare(model, trainPrefix) {
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('../dist/train/backend.js');
  const { Replica } = await import('../dist/train/replica.js');
  const { ModelConfigSchema } = await import('../dist/train/model/config.js');
  const { TrainSchema } = await import('../dist/train/config.js');
  await selectBackend('wasm');
  const r = await Replica.create({
    model: ModelConfigSchema.parse(model),
    train: TrainSchema.parse({ steps: 1, batchSize: 4, gradAccum: 2 }),
    trainPrefix,
  });
  await r.grads(0, 0);
  const t0 = performance.now();
  await r.grads(1, 0);
  const wall = performance.now() - t0;
  const prof = await tf.profile(async () => void (await r.grads(2, 0)));
  // kernels nest (customGrad's "forward" wraps its matmul): count only leaf kernels
  const leaf = prof.kernels.filter((k) => k.name !== 'forward');
  const matmul = leaf.filter((k) => /MatMul/.test(k.name)).reduce((s, k) => s + k.kernelTimeMs, 0);
  const kernels = leaf.reduce((s, k) => s + k.kernelTimeMs, 0);
  r.close();
  return {
    of_kernel_time: +(matmul / kernels).toFixed(3),
    matmul_ms: Math.round(matmul),
    step_ms_unprofiled: Math.round(wall),
    note: 'one micro-batch of 4 x 256 tokens, fwd+bwd, in this thread',
  };
}

function bytesOfStage(dir) {
  let n = 0;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.jsonl.gz')) continue;
    for (const line of gunzipSync(readFileSync(join(dir, f)))
      .toString('utf8')
      .split('\n'))
      if (line) n += Buffer.byteLength(JSON.parse(line).text);
  }
  return n;
}

const wanted = process.argv.slice(2);
for (const [name, fn] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  process.stderr.write(`bench: ${name}\n`);
  await fn();
}
// the two stages on the same text corpus, per worker: is tokenizing still the slowest stage?
for (const workers of Object.keys(perWorker.tokenize)) {
  const filter = perWorker.filter[workers];
  if (filter !== undefined)
    emit({
      bench: 'tokenize_vs_filter',
      workers: Number(workers),
      tokenize_mb_per_s_per_worker: perWorker.tokenize[workers],
      filter_mb_per_s_per_worker: filter,
      tokenize_at_least_as_fast: perWorker.tokenize[workers] >= filter,
    });
}
