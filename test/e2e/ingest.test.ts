import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../src/core/doc.js';
import { docsOf, FIXTURES, moe, tmpDir } from '../helpers.js';

interface Report {
  docs_out: number;
  stats: { counts: Record<string, number>; errors: Array<{ path: string; reason: string }> };
  outputs: Array<{ file: string; sha256: string; docs: number }>;
  inputs: Array<{ path: string; size: number; sha256: string }>;
}
const reportOf = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;

async function ingest(
  inputs: string[],
  extra: string[] = [],
): Promise<{ out: string; docs: Doc[]; report: Report; stderr: string; code: number }> {
  const out = join(tmpDir(), 'out');
  const r = moe(['ingest', ...inputs.map((i) => join(FIXTURES, i)), '--out', out, '--quiet', ...extra]);
  expect(r.stderr).not.toMatch(/internal error/);
  return {
    out,
    docs: r.code === 0 || existsSync(out) ? await docsOf(out) : [],
    report: existsSync(out) ? reportOf(out) : (undefined as never),
    stderr: r.stderr,
    code: r.code,
  };
}

const byId = (docs: Doc[], id: string): Doc => {
  const d = docs.find((x) => x.id === id);
  if (!d) throw new Error(`no document ${id} in ${docs.map((x) => x.id).join(', ')}`);
  return d;
};

describe('moe ingest: code', () => {
  it('keeps source files, skips gitignored, vendored, binary and undecodable ones, with metadata', async () => {
    const { docs, report } = await ingest(['code/tinyrepo']);
    expect(docs.map((d) => d.id)).toEqual([
      'tinyrepo/README.md',
      'tinyrepo/include/vec.h',
      'tinyrepo/scripts/backup.sh',
      'tinyrepo/src/client.ts',
      'tinyrepo/src/kvstore.py',
      'tinyrepo/src/lib.rs',
      'tinyrepo/src/server.go',
      'tinyrepo/src/vec.c',
      'tinyrepo/web/index.html',
    ]);
    const py = byId(docs, 'tinyrepo/src/kvstore.py');
    const file = join(FIXTURES, 'code/tinyrepo/src/kvstore.py');
    expect(py.source).toBe('code');
    expect(py.text).toBe(readFileSync(file, 'utf8'));
    expect(py.metadata).toEqual({
      path: 'src/kvstore.py',
      repo: 'tinyrepo',
      language: 'Python',
      bytes: statSync(file).size,
      license: 'MIT',
    });
    expect(docs.map((d) => d.metadata.language)).toEqual([
      'Markdown',
      'C',
      'Shell',
      'TypeScript',
      'Python',
      'Rust',
      'Go',
      'C',
      'HTML',
    ]);
    expect(report.stats.counts).toMatchObject({
      'skipped.gitignored': 2,
      'skipped.binary': 2, // src/logo_data.c (a NUL byte), assets/logo.png (a PNG by its signature)
      'skipped.undecodable': 1,
      'skipped.unknown_type': 2, // .gitignore, LICENSE
      'skipped.excluded_dir': 2, // node_modules, vendor
      docs_out: 9,
    });
    expect(report.stats.errors).toEqual([]);
  });

  it('reads scripts by their #! line, joins dual licenses, and reads nothing in a tree as JSONL or a crawl', async () => {
    const { docs, report, code } = await ingest(['code/toolbox'], ['--strict']);
    expect(code).toBe(0);
    expect(docs.map((d) => [d.id, d.metadata.language])).toEqual([
      ['toolbox/bin/deploy', 'Shell'], // #!/usr/bin/env bash
      ['toolbox/bin/report', 'Python'], // #!/usr/bin/env python3
      ['toolbox/src/sizes.py', 'Python'],
      ['toolbox/tools/bump', 'Ruby'], // #!/usr/bin/ruby
      ['toolbox/tools/completions', 'Shell'], // #!/bin/zsh
      ['toolbox/tools/gen-changelog', 'Perl'], // #!/usr/bin/perl -w
      ['toolbox/tools/serve', 'JavaScript'], // #!/usr/bin/env -S node --no-warnings
    ]);
    // LICENSE-MIT and UNLICENSE (COPYING only says so in words)
    expect(new Set(docs.map((d) => d.metadata.license))).toEqual(new Set(['MIT OR Unlicense']));
    expect(docs.every((d) => d.source === 'code')).toBe(true);
    expect(report.stats.counts).toMatchObject({
      'skipped.binary': 1, // assets/icon.png
      // LICENSE-MIT, UNLICENSE, COPYING, a Jinja template starting with {{, a JSON-lines fixture without extension
      'skipped.unknown_type': 5,
      'skipped.excluded_dir': 2, // node_modules, src/__pycache__
      docs_out: 7,
    });
    expect(report.stats.errors).toEqual([]);
  });

  it('honours a size limit from --set', async () => {
    const { docs, report } = await ingest(['code/tinyrepo'], ['--set', 'ingest.code.maxFileBytes=300']);
    expect(docs.map((d) => d.id)).toEqual([
      'tinyrepo/README.md',
      'tinyrepo/include/vec.h',
      'tinyrepo/scripts/backup.sh',
      'tinyrepo/web/index.html',
    ]);
    expect(report.stats.counts['skipped.too_large']).toBe(5);
  });
});

describe('moe ingest: arXiv', () => {
  it('cleans a source tarball: title and abstract first, inputs inlined, macros expanded, no comments or bibliography', async () => {
    const { docs } = await ingest(['arxiv']);
    expect(docs.map((d) => d.id)).toEqual(['arxiv/2312.00001', 'arxiv/2401.06066.tar.gz', 'arxiv/hep-th9901001.gz']);
    const paper = byId(docs, 'arxiv/2401.06066.tar.gz');
    expect(paper.metadata).toEqual({
      path: '2401.06066.tar.gz',
      main_file: 'main.tex',
      arxiv_id: '2401.06066',
      yymm: '2401',
    });
    for (const s of [
      '\\section{Introduction}\nMixture-of-Experts layers let DeepSeekMoE grow its parameter count',
      'top $K$ of N_r routed experts, e.g., a softmax router.',
      'A discount of 50\\% is not a comment, and neither is 100\\%.',
      '\\section{Method}\nEach DeepSeekMoE layer has shared experts',
      'With 16 experts and top-2 routing',
      '\\paragraph{Limitations}\nRouting collapse remains possible without a balancing loss.',
    ])
      expect(paper.text).toContain(s);
    // the title and the abstract come first, as text (RedPajama dropped everything before the first \section)
    expect(
      paper.text.startsWith(
        'Fine-Grained Experts for Language Models\n\nThis preamble abstract is dropped by the RedPajama cleaning rules.\n\n\\section{Introduction}',
      ),
    ).toBe(true);
    for (const s of [
      'comment that must',
      'commented-out',
      'Outrageously',
      'bibliography',
      'documentclass',
      'newcommand',
      '\\method',
      'maketitle',
      'usepackage',
      'A. Researcher',
    ]) {
      expect(paper.text).not.toContain(s);
    }
    expect(paper.text.endsWith('without a balancing loss.')).toBe(true);
  });

  it('reads a gzipped single .tex written in Latin-1 with an old-style id', async () => {
    const { docs } = await ingest(['arxiv/hep-th9901001.gz']);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.metadata).toMatchObject({ arxiv_id: 'hep-th/9901001', yymm: '9901', encoding: 'latin-1' });
    expect(docs[0]!.text).toBe(
      '\\section{Introduction}\nWe study the Schrödinger equation on a lattice with \\langle x| states; the naïve\napproach diverges.',
    );
  });

  it('reads a paper folder, ignoring non-TeX files', async () => {
    const { docs } = await ingest(['arxiv/2312.00001'], ['--source', 'arxiv']);
    expect(docs.map((d) => d.id)).toEqual(['2312.00001']);
    expect(docs[0]!.text).toContain(
      'On a 16-expert model, RouteNet keeps the busiest expert within 1.2 times the mean load.',
    );
    expect(docs[0]!.text).not.toMatch(/TODO|bibitem|Auxiliary-loss-free/);
  });
});

describe('moe ingest: web', () => {
  it('turns each HTML response record into main-content text with WARC metadata', async () => {
    const { docs, report } = await ingest(['web/crawl.warc.gz']);
    expect(docs.map((d) => d.id)).toEqual(['crawl.warc.gz#2', 'crawl.warc.gz#3', 'crawl.warc.gz#4']);
    const article = docs[0]!;
    expect(article.metadata).toEqual({
      url: 'https://mlnotes.example/sparse-experts',
      warc_record_id: '<urn:uuid:00000000-0000-4000-8000-000000000003>',
      date: '2026-10-12T08:30:00Z',
      content_type: 'text/html',
      charset: 'utf-8',
      title: 'How sparse experts scale | ML Notes',
    });
    // the <h1> repeating the <title> is dropped from the text: the title is metadata
    expect(article.text.startsWith('Mixture-of-experts models replace')).toBe(true);
    for (const s of [
      'What to measure',
      'for step in range(steps):\n    loss = model(batch)',
      'Experts | Top-k | Perplexity\n8 | 2 | 12.4',
      'central claim of the DeepSeekMoE paper',
    ]) {
      expect(article.text).toContain(s);
    }
    for (const s of ['<', 'dataLayer', 'font-family', 'cookies', 'Copyright', 'Related posts', 'Archive', 'analytics'])
      expect(article.text).not.toContain(s);
    expect(docs[1]!.metadata.charset).toBe('windows-1252');
    expect(docs[1]!.text).toContain('connaît tous les horaires par cœur');
    expect(docs[1]!.text).not.toContain('Accueil');
    expect(docs[2]!.text).toContain('混合专家模型');
    expect(docs[2]!.text).not.toContain('首页');
    expect(report.stats.counts).toMatchObject({
      'skipped.warc_warcinfo': 1,
      'skipped.warc_request': 1,
      'skipped.warc_metadata': 1,
      'skipped.non_html': 1,
      'skipped.no_main_content': 1,
    });
  });

  it('reads WET conversion records and JSONL (gzip and zstd) with a configurable text field', async () => {
    const { docs } = await ingest(['web/crawl.warc.wet.gz', 'web/docs.jsonl.gz', 'web/docs.jsonl.zst']);
    expect(docs.map((d) => d.id)).toEqual([
      'crawl.warc.wet.gz#1',
      'crawl.warc.wet.gz#2',
      'docs.jsonl.gz#0',
      'docs.jsonl.gz#1',
      'docs.jsonl.gz#2',
      'docs.jsonl.gz#4',
      'docs.jsonl.zst#0',
      'docs.jsonl.zst#1',
      'docs.jsonl.zst#2',
      'docs.jsonl.zst#4',
    ]);
    expect(docs[0]!.text.startsWith('Storm closes coastal roads\nHeavy rain')).toBe(true);
    expect(docs[0]!.metadata).toMatchObject({ url: 'https://news.example/storm', content_type: 'text/plain' });
    expect(docs[2]!.metadata).toEqual({ lang_hint: 'en', url: 'https://town.example/library', source_id: 'a1' });
    expect(docs[5]!.text).toBe('Emoji and exotic spaces survive ingestion: \u{1F600}\u00a0\u2009\u200b done.');
    expect(docs.slice(6).map((d) => d.text)).toEqual(docs.slice(2, 6).map((d) => d.text));
    const none = await ingest(['web/docs.jsonl.gz'], ['--set', 'ingest.web.textField=body']);
    expect(none.docs).toEqual([]);
    expect(none.report.stats.errors[0]!.reason).toBe('line 1: no string field "body"');
  });
});

describe('moe ingest: broken inputs', () => {
  it('reports every broken file with its path and reason, keeps complete records, exits 0', async () => {
    const { docs, report, stderr, code } = await ingest(['broken']);
    expect(code).toBe(0);
    const errors = report.stats.errors.map((e) => `${e.path.replace(/^.*fixtures\//, '')}: ${e.reason}`);
    expect(errors).toEqual([
      'broken/2402.00002.tar.gz: truncated gzip stream (unexpected end of file)',
      'broken/bad-utf8.jsonl: line 2: invalid UTF-8',
      'broken/bad-utf8.jsonl: line 4: invalid JSON',
      'broken/corrupt.jsonl.zst: corrupt zstd data (offset is out of bounds)',
      'broken/empty.warc.gz: no WARC records (empty file)',
      'broken/malformed.warc: malformed WARC header at offset 0: bad header line "WARC-Type response"',
      'broken/truncated.jsonl.gz: truncated gzip stream (unexpected end of file)',
      'broken/truncated.warc.gz: truncated gzip stream (unexpected end of file)',
    ]);
    expect(report.stats.counts.errors).toBe(8);
    expect(stderr).toContain('warning: 8 input problems; the rest of the input was processed');
    expect(docs.map((d) => d.id)).toEqual([
      'broken/bad-utf8.jsonl#0',
      'broken/bad-utf8.jsonl#2',
      'broken/malformed.warc#0',
      'broken/truncated.warc.gz#2',
    ]);
    // the record that survived the truncation is whole, the same text as from the intact crawl
    const intact = await ingest(['web/crawl.warc.gz']);
    expect(docs[3]!.text).toBe(intact.docs[0]!.text);
  });

  it('--strict stops at the first problem, naming it, before the stage is written', async () => {
    const r = await ingest(['web', 'broken/bad-utf8.jsonl'], ['--strict']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^moe: error: \S*fixtures\/broken\/bad-utf8\.jsonl: line 2: invalid UTF-8\nhint: with --strict the run stops at the first input problem/,
    );
    expect(existsSync(r.out)).toBe(false);
  });

  it('with a good input beside the broken ones, the good output is complete', async () => {
    const both = await ingest(['web', 'broken']);
    const web = await ingest(['web']);
    expect(both.docs.slice(0, web.docs.length)).toEqual(web.docs);
  });
});

describe('moe ingest: determinism, sharding, resume', () => {
  const all = ['code/tinyrepo', 'arxiv', 'web', 'broken'];
  const files = (dir: string): Record<string, string> =>
    Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl.gz'))
        .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
    );

  it('--workers 1 and --workers 2 give byte-identical parts, and so do two runs in a row', async () => {
    const small = ['--set', 'ingest.partMaxBytes=4096'];
    const one = await ingest(all, ['--workers', '1', ...small]);
    const two = await ingest(all, ['--workers', '2', ...small]);
    const again = await ingest(all, ['--workers', '2', ...small]);
    expect(Object.keys(files(one.out)).length).toBeGreaterThan(2);
    expect(files(two.out)).toEqual(files(one.out));
    expect(files(again.out)).toEqual(files(one.out));
    const { timing: _a, ...r1 } = reportOf(one.out) as unknown as Record<string, unknown>;
    const { timing: _b, ...r2 } = reportOf(two.out) as unknown as Record<string, unknown>;
    expect(r2).toEqual(r1);
  });

  it('--shard I/N partitions the inputs: the shards together hold every document once', async () => {
    const full = await ingest(all);
    const parts = await Promise.all([0, 1, 2].map((i) => ingest(all, ['--shard', `${i}/3`])));
    const ids = parts.flatMap((p) => p.docs.map((d) => d.id)).sort();
    expect(ids).toEqual(full.docs.map((d) => d.id).sort());
    expect(parts.every((p) => p.docs.length > 0)).toBe(true);
  });

  it('skips a complete stage folder for the same inputs and config, and redoes it when they change', async () => {
    const out = join(tmpDir(), 'o');
    const args = ['ingest', join(FIXTURES, 'web'), '--out', out, '--quiet'];
    expect(moe(args).code).toBe(0);
    const again = moe(args);
    expect(again.stderr).toContain('is up to date (13 docs); nothing to do');
    const changed = moe([...args, '--set', 'ingest.web.textField=content', '--json']);
    expect(JSON.parse(changed.stdout)).toMatchObject({ command: 'ingest', skipped: false, docs_out: 5 });
  });

  it('refuses to overwrite a folder that is not a moe stage', () => {
    const out = tmpDir();
    moe(['ingest', join(FIXTURES, 'web'), '--out', join(out, 'x'), '--quiet']);
    const r = moe(['ingest', join(FIXTURES, 'web'), '--out', FIXTURES, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`moe: error: ${FIXTURES} exists and is not a moe ingest folder`);
  });
});
