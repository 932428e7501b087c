import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsOf, FIXTURES, moe, tmpDir } from '../helpers.js';

let base: string;
let ingested: string;
beforeAll(() => {
  // one ingest of every fixture, shared by the tests of this file
  base = mkdtempSync(join(tmpdir(), 'moe-filter-'));
  ingested = join(base, 'ingest');
  const r = moe(['ingest', FIXTURES, '--out', ingested, '--quiet']);
  expect(r.code).toBe(0);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

interface Report {
  docs_in: number;
  docs_out: number;
  bytes_in: number;
  filters: Record<
    string,
    {
      dropped: number;
      dropped_bytes: number;
      would_drop: number;
      alone: number;
      reasons: Record<string, { dropped: number; would_drop: number; alone: number }>;
      histograms: Record<string, { edges: number[]; counts: number[] }>;
    }
  >;
  learned_thresholds: Record<string, { value: number; sample_docs: number }>;
  timing?: unknown;
}

const EXPECTED: Array<[string, string]> = [
  ['fixtures/arxiv-layouts/2403.01234', 'kept'],
  ['fixtures/arxiv-layouts/2404.05678', 'kept'],
  ['fixtures/arxiv-layouts/2405.09999/submission', 'kept'],
  ['fixtures/arxiv-layouts/hep-th0001001', 'arxiv_too_short'],
  ['fixtures/arxiv/2312.00001', 'arxiv_too_short'],
  ['fixtures/arxiv/2401.06066.tar.gz', 'kept'],
  ['fixtures/arxiv/hep-th9901001.gz', 'arxiv_too_short'],
  ['fixtures/broken/bad-utf8.jsonl#0', 'gopher_short_doc'],
  ['fixtures/broken/bad-utf8.jsonl#2', 'gopher_short_doc'],
  ['fixtures/broken/malformed.warc#0', 'kept'],
  ['fixtures/broken/truncated.warc.gz#2', 'kept'],
  ['fixtures/code/tinyrepo/README.md', 'kept'],
  ['fixtures/code/tinyrepo/include/vec.h', 'kept'],
  ['fixtures/code/tinyrepo/scripts/backup.sh', 'kept'],
  ['fixtures/code/tinyrepo/src/client.ts', 'kept'],
  ['fixtures/code/tinyrepo/src/kvstore.py', 'kept'],
  ['fixtures/code/tinyrepo/src/lib.rs', 'kept'],
  ['fixtures/code/tinyrepo/src/server.go', 'kept'],
  ['fixtures/code/tinyrepo/src/vec.c', 'kept'],
  ['fixtures/code/tinyrepo/web/index.html', 'code_html_visible_text'],
  ['fixtures/code/toolbox/bin/deploy', 'kept'],
  ['fixtures/code/toolbox/bin/report', 'kept'],
  ['fixtures/code/toolbox/src/sizes.py', 'kept'],
  ['fixtures/code/toolbox/tools/bump', 'kept'],
  ['fixtures/code/toolbox/tools/completions', 'kept'],
  ['fixtures/code/toolbox/tools/gen-changelog', 'kept'],
  ['fixtures/code/toolbox/tools/serve', 'kept'],
  // the extraction test pages are HTML source files when the whole fixtures folder is ingested
  ['fixtures/extract/aspnet-form.html', 'kept'],
  ['fixtures/extract/indonesian-blog.html', 'kept'],
  ['fixtures/extract/link-digest.html', 'kept'],
  ['fixtures/extract/link-index.html', 'kept'],
  ['fixtures/extract/numeric-prose.html', 'kept'],
  ['fixtures/extract/related-teasers.html', 'kept'],
  ['fixtures/extract/russian-news.html', 'kept'],
  ['fixtures/extract/standings-table.html', 'kept'],
  ['fixtures/filter/mixed.jsonl#0', 'kept'], // English article
  ['fixtures/filter/mixed.jsonl#1', 'kept'], // German
  ['fixtures/filter/mixed.jsonl#10', 'curly_bracket'],
  ['fixtures/filter/mixed.jsonl#2', 'kept'], // French
  ['fixtures/filter/mixed.jsonl#3', 'kept'], // Spanish
  ['fixtures/filter/mixed.jsonl#4', 'kept'], // Russian
  ['fixtures/filter/mixed.jsonl#5', 'kept'], // Chinese
  ['fixtures/filter/mixed.jsonl#6', 'top_3_gram'], // one spam sentence forty times
  ['fixtures/filter/mixed.jsonl#7', 'lorem_ipsum'],
  ['fixtures/filter/mixed.jsonl#8', 'lid_low_confidence'], // keyboard mash
  ['fixtures/filter/mixed.jsonl#9', 'top_3_gram'], // a list of near-identical bullet lines
  ['fixtures/web/crawl.warc.gz#2', 'kept'],
  ['fixtures/web/crawl.warc.gz#3', 'too_few_sentences'],
  ['fixtures/web/crawl.warc.gz#4', 'too_few_sentences'],
  ['fixtures/web/crawl.warc.wet.gz#1', 'gopher_short_doc'],
  ['fixtures/web/crawl.warc.wet.gz#2', 'gopher_short_doc'],
  ['fixtures/web/docs.jsonl.gz#0', 'gopher_short_doc'],
  ['fixtures/web/docs.jsonl.gz#1', 'gopher_short_doc'],
  ['fixtures/web/docs.jsonl.gz#2', 'gopher_short_doc'],
  ['fixtures/web/docs.jsonl.gz#4', 'gopher_short_doc'],
  ['fixtures/web/docs.jsonl.zst#0', 'gopher_short_doc'],
  ['fixtures/web/docs.jsonl.zst#1', 'gopher_short_doc'],
  ['fixtures/web/docs.jsonl.zst#2', 'gopher_short_doc'],
  ['fixtures/web/docs.jsonl.zst#4', 'gopher_short_doc'],
];

const report = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
const bytesOf = (dir: string): Record<string, string> =>
  Object.fromEntries(
    ['', 'rejected'].flatMap((sub) =>
      existsSync(join(dir, sub))
        ? readdirSync(join(dir, sub))
            .filter((f) => f.endsWith('.gz'))
            .map((f) => [join(sub, f), readFileSync(join(dir, sub, f)).toString('base64')])
        : [],
    ),
  );

describe('moe filter on the fixtures', () => {
  it('keeps or drops every document as expected, with reasons on the rejected ones', async () => {
    const out = join(tmpDir(), 'f');
    const r = moe(['filter', '--in', ingested, '--out', out, '--keep-rejected', '--quiet']);
    expect(r.code).toBe(0);
    const kept = await docsOf(out);
    const rejected = await docsOf(join(out, 'rejected'));
    const got = [
      ...kept.map((d) => [d.id, 'kept']),
      ...rejected.map((d) => [d.id, (d.metadata.filter as { reason: string }).reason]),
    ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
    expect(got).toEqual(EXPECTED);
    // good text in six languages survives, each identified
    const langs = Object.fromEntries(
      kept.filter((d) => d.id.startsWith('fixtures/filter/')).map((d) => [d.id, d.metadata.language]),
    );
    expect(Object.values(langs).sort()).toEqual(['cmn', 'deu', 'eng', 'fra', 'rus', 'spa']);
    // a rejected document keeps its original text and says why, with the measured value
    const lorem = rejected.find((d) => d.id === 'fixtures/filter/mixed.jsonl#7')!;
    expect(lorem.metadata.filter).toEqual({ name: 'c4', reason: 'lorem_ipsum', value: 1 });
    expect(lorem.text.startsWith('Lorem ipsum dolor sit amet')).toBe(true);
    // the report: what each filter cost, alone and in total, with histograms of every measured value
    const rep = report(out);
    expect(rep.docs_in).toBe(EXPECTED.length);
    expect(rep.docs_out).toBe(EXPECTED.filter(([, r]) => r === 'kept').length);
    const gq = rep.filters['gopher-quality']!;
    expect(gq.dropped).toBe(EXPECTED.filter(([, r]) => r === 'gopher_short_doc').length);
    expect(gq.reasons.gopher_short_doc!.dropped).toBe(gq.dropped);
    expect(gq.would_drop).toBeGreaterThanOrEqual(gq.dropped);
    expect(rep.filters.c4!.reasons.curly_bracket).toMatchObject({ dropped: 1, alone: 1, would_drop: 1 });
    expect(rep.filters.language!.reasons.lid_low_confidence).toMatchObject({ dropped: 1, would_drop: 1 });
    // every web document is measured by gopher-quality, kept or not
    const webDocs = EXPECTED.filter(
      ([id]) =>
        !id.includes('/code/') &&
        !id.includes('/arxiv/') &&
        !id.includes('/arxiv-layouts/') &&
        !id.includes('/extract/'),
    ).length;
    expect(gq.histograms.word_count!.counts.reduce((s, n) => s + n, 0)).toBe(webDocs);
  });

  it('--workers 1 and --workers 2 write identical kept and rejected parts and the same report', () => {
    const a = join(tmpDir(), 'a');
    const b = join(tmpDir(), 'b');
    moe(['filter', '--in', ingested, '--out', a, '--keep-rejected', '--workers', '1', '--quiet']);
    moe(['filter', '--in', ingested, '--out', b, '--keep-rejected', '--workers', '2', '--quiet']);
    expect(Object.keys(bytesOf(a))).toEqual(['part-00000.jsonl.gz', 'rejected/part-00000.jsonl.gz']);
    expect(bytesOf(b)).toEqual(bytesOf(a));
    const strip = ({ timing: _t, ...rest }: Report): Report => rest;
    expect(strip(report(b))).toEqual(strip(report(a)));
  });

  it('--dry-run measures the same and writes nothing', () => {
    const cwd = tmpDir();
    const dry = moe(['filter', '--in', ingested, '--dry-run', '--json', '--quiet'], { cwd });
    expect(dry.code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    const real = join(tmpDir(), 'real');
    moe(['filter', '--in', ingested, '--out', real, '--quiet']);
    const summary = JSON.parse(dry.stdout) as Report;
    expect(summary.filters).toEqual(report(real).filters);
    expect(dry.stderr).toContain('filter: dry run, nothing written');
    expect(dry.stderr).toMatch(/gopher-quality\s+\d+/);
  });

  it('trains the statistical filters, learns their thresholds on a sample and records them', () => {
    const dir = tmpDir();
    expect(
      moe(['lm', 'train', '--in', join(FIXTURES, 'quality/clean-train.txt'), '--out', join(dir, 'lm.bin')]).code,
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
        join(dir, 'clf.bin'),
      ]).code,
    ).toBe(0);
    const cfg = join(dir, 'c.yaml');
    writeFileSync(
      cfg,
      [
        'filter:',
        '  models: { perplexity: lm.bin, classifier: clf.bin }',
        '  web:',
        '    params:',
        '      perplexity: { dropWorstFraction: 0.5 }',
        '      classifier: { dropWorstFraction: 0.25 }',
        '',
      ].join('\n'),
    );
    const run = (out: string) => moe(['filter', '--in', ingested, '--out', out, '--config', cfg, '--quiet', '--json']);
    const first = JSON.parse(run(join(dir, 'o1')).stdout) as Report;
    const again = JSON.parse(run(join(dir, 'o2')).stdout) as Report;
    const webDocs = EXPECTED.filter(
      ([id]) =>
        !id.includes('/code/') &&
        !id.includes('/arxiv/') &&
        !id.includes('/arxiv-layouts/') &&
        !id.includes('/extract/'),
    ).length;
    expect(first.learned_thresholds.perplexity!.sample_docs).toBe(webDocs);
    expect(first.learned_thresholds.classifier!.sample_docs).toBe(webDocs);
    expect(again.learned_thresholds).toEqual(first.learned_thresholds);
    expect(first.filters.perplexity!.would_drop).toBeGreaterThan(0);
    expect(first.filters.perplexity!.would_drop).toBeLessThanOrEqual(Math.ceil(webDocs / 2));
    expect(bytesOf(join(dir, 'o2'))).toEqual(bytesOf(join(dir, 'o1')));
  });

  it('skips a complete output for the same input and config', () => {
    const out = join(tmpDir(), 'f');
    moe(['filter', '--in', ingested, '--out', out, '--quiet']);
    expect(moe(['filter', '--in', ingested, '--out', out, '--quiet']).stderr).toContain('is up to date');
  });
});

describe('moe filter: bad input', () => {
  const bad = (yaml: string, message: string | RegExp) => {
    const dir = tmpDir();
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, yaml);
    const r = moe(['filter', '--in', ingested, '--out', join(dir, 'o'), '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`moe: error: ${cfg}: `);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };
  it('names an unknown filter, parameter, out-of-range threshold or language code, and the file', () => {
    bad(
      'filter:\n  web:\n    chain: [language, gopher-qualty]\n',
      'key "filter.web.chain.1": unknown filter "gopher-qualty"',
    );
    bad(
      'filter:\n  web:\n    params:\n      fineweb: { minLinePunctRatio: 1.5 }\n',
      'key "filter.web.params.fineweb.minLinePunctRatio"',
    );
    bad(
      'filter:\n  web:\n    params:\n      gopher-quality: { minWordz: 10 }\n',
      'key "filter.web.params.gopher-quality.minWordz": unknown key',
    );
    bad(
      'filter:\n  web:\n    languages:\n      english: { gopher-quality: { minWords: 10 } }\n',
      'key "filter.web.languages.english": unknown language "english"',
    );
    bad(
      'filter:\n  web:\n    params:\n      language: { allow: [eng, xx] }\n',
      'key "filter.web.params.language.allow.1": unknown language "xx"',
    );
    bad(
      'filter:\n  code:\n    languages:\n      Pyhton: { code: { maxLineLength: 10 } }\n',
      'unknown language "Pyhton"',
    );
  });

  it('reports a malformed part file with its path and line, exit 1', () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(
      join(dir, 'in', 'part-00000.jsonl.gz'),
      gzipSync('{"id":"a","text":"x","source":"web","metadata":{}}\n{"id":"b"}\n'),
    );
    for (const workers of ['1', '2']) {
      const r = moe(['filter', '--in', join(dir, 'in'), '--out', join(dir, 'o'), '--workers', workers, '--quiet']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/moe: error: .*part-00000\.jsonl\.gz:2: missing string field "text"/);
    }
    const missing = moe(['filter', '--in', join(dir, 'nope'), '--out', join(dir, 'o')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
    mkdirSync(join(dir, 'empty'));
    const empty = moe(['filter', '--in', join(dir, 'empty'), '--out', join(dir, 'o')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`no part-*.jsonl.gz files in ${join(dir, 'empty')}`);
  });
});
