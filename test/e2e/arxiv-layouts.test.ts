import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../src/core/doc.js';
import { docsOf, FIXTURES, moe, tmpDir } from '../helpers.js';

// real arXiv layouts (fixtures/arxiv-layouts), each read as arXiv serves it: a folder, a source
// tarball, and a member of a bulk `src` tar
const LAYOUTS = join(FIXTURES, 'arxiv-layouts');

/** Every file under `dir`, as [path relative to `dir`, bytes]. */
function filesOf(dir: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push([relative(dir, p), readFileSync(p)]);
    }
  };
  walk(dir);
  return out;
}

async function tarOf(entries: Array<[string, Buffer]>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of entries) pack.entry({ name, size: data.length, mtime: new Date(0) }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** What each paper must keep, in this order, from its abstract to what follows its bibliography. */
const MARKERS: Record<string, string[]> = {
  '2403.01234': [
    'SparseMix: Fine-Grained Experts at Scale',
    'ABSTRACT-MARKER',
    'INTRO-MARKER',
    'METHOD-MARKER',
    'CAPTION-MARKER',
    'CONCLUSION-MARKER',
    'APPENDIX-MARKER',
    'SUPPLEMENT-MARKER',
  ],
  '2404.05678': [
    'Superconductivity in a Twisted Trilayer',
    'ABSTRACT-MARKER',
    'LETTER-BODY-MARKER',
    'SUPPLEMENT-MARKER',
  ],
  '2405.09999': ['Convergence of Projected Gradient Methods', 'ABSTRACT-MARKER', 'BODY-MARKER', 'PROOF-MARKER'],
  'hep-th0001001': ['A Note on Dualities', 'ABSTRACT-MARKER', 'OLD-STYLE-MARKER', 'CONCLUSION-MARKER'],
};
/** Every user macro the papers define (in the main file, an \input file, a .sty, with arguments or not). */
const USER_MACROS = /\\(ours|eg|tf|loss|E|KL|topk|vx|ket|Tc|R|inner|be|ee|half)(?![A-Za-z])/;

function checkPaper(doc: Doc, key: string): void {
  let at = -1;
  for (const marker of MARKERS[key]!) {
    const i = doc.text.indexOf(marker);
    expect(i, `${key}: ${marker}`).toBeGreaterThan(at);
    at = i;
  }
  expect(doc.text).not.toMatch(USER_MACROS);
  for (const s of [
    'includegraphics',
    'linewidth]',
    'bibitem',
    'Outrageously',
    '\\bibliography',
    'TODO',
    'University of Somewhere',
    'A. Physicist',
    'maketitle',
  ]) {
    expect(doc.text, `${key}: ${s}`).not.toContain(s);
  }
}

const keyOf = (doc: Doc): string => Object.keys(MARKERS).find((k) => doc.id.includes(k))!;

describe('moe ingest: arXiv papers in every form arXiv serves them', () => {
  it('reads paper folders (a .bbl, a .sty, .bib and a figure beside them are no errors, even with --strict)', async () => {
    const out = join(tmpDir(), 'o');
    const r = moe(['ingest', LAYOUTS, '--out', out, '--strict', '--quiet', '--json']);
    expect(r.code).toBe(0);
    const docs = await docsOf(out);
    expect(docs.map((d) => d.id)).toEqual([
      'arxiv-layouts/2403.01234',
      'arxiv-layouts/2404.05678',
      'arxiv-layouts/2405.09999/submission',
      'arxiv-layouts/hep-th0001001',
    ]);
    for (const d of docs) checkPaper(d, keyOf(d));
    expect(docs.map((d) => d.metadata.arxiv_id)).toEqual(['2403.01234', '2404.05678', '2405.09999', 'hep-th/0001001']);
    // main.bbl, refs.bib, figures/arch.pdf, letter.bbl: the papers' own files, not errors (neurips_2024.sty is read for its macros)
    expect(JSON.parse(r.stdout).counts).toMatchObject({ docs_out: 4, 'skipped.arxiv_aux_file': 4 });
    expect(JSON.parse(r.stdout).errors).toBe(0);
  });

  it('reads source tarballs, with the paper in a subfolder resolved from its main file', async () => {
    const dir = tmpDir();
    for (const key of Object.keys(MARKERS))
      writeFileSync(join(dir, `${key}.tar.gz`), gzipSync(await tarOf(filesOf(join(LAYOUTS, key)))));
    const out = join(dir, 'o');
    const r = moe(['ingest', dir, '--out', out, '--strict', '--quiet', '--json']);
    expect(r.code).toBe(0);
    const docs = await docsOf(out);
    expect(docs).toHaveLength(4);
    for (const d of docs) checkPaper(d, keyOf(d));
    expect(docs.find((d) => d.id.includes('2405'))!.metadata.main_file).toBe('submission/main.tex');
  });

  it('streams a bulk src tar member by member: gzipped tarballs and a gzipped .tex, PDF-only and non-LaTeX submissions counted', async () => {
    const dir = tmpDir();
    const members: Array<[string, Buffer]> = [];
    for (const key of ['2403.01234', '2404.05678', '2405.09999'])
      members.push([`${key.slice(0, 4)}/${key}.gz`, gzipSync(await tarOf(filesOf(join(LAYOUTS, key))))]);
    members.push(['0001/hep-th0001001.gz', gzipSync(readFileSync(join(LAYOUTS, 'hep-th0001001/paper.tex')))]);
    members.push(['2404/2404.99999.pdf', Buffer.from('%PDF-1.4\n%%EOF\n')]);
    members.push([
      '2404/2404.88888.gz',
      gzipSync(Buffer.from('%!PS-Adobe-2.0\n/Times-Roman findfont 12 scalefont setfont\nshowpage\n')),
    ]);
    mkdirSync(join(dir, 'bulk'));
    writeFileSync(join(dir, 'bulk/arXiv_src_2404_001.tar'), await tarOf(members));
    const out = join(dir, 'o');
    const r = moe(['ingest', join(dir, 'bulk'), '--out', out, '--strict', '--quiet', '--json']);
    expect(r.code).toBe(0);
    const docs = await docsOf(out);
    expect(docs.map((d) => [d.id, d.metadata.arxiv_id, d.metadata.yymm])).toEqual([
      ['bulk/arXiv_src_2404_001.tar/2403.01234', '2403.01234', '2403'],
      ['bulk/arXiv_src_2404_001.tar/2404.05678', '2404.05678', '2404'],
      ['bulk/arXiv_src_2404_001.tar/2405.09999', '2405.09999', '2405'],
      ['bulk/arXiv_src_2404_001.tar/hep-th0001001', 'hep-th/0001001', '0001'],
    ]);
    for (const d of docs) checkPaper(d, keyOf(d));
    expect(JSON.parse(r.stdout).counts).toMatchObject({
      docs_out: 4,
      files_in: 1,
      'skipped.arxiv_pdf_only': 1,
      'skipped.arxiv_not_latex': 1,
    });
  });

  it('reports a corrupt member of a bulk tar with its name and keeps the others', async () => {
    const dir = tmpDir();
    const good = gzipSync(readFileSync(join(LAYOUTS, 'hep-th0001001/paper.tex')));
    writeFileSync(
      join(dir, 'arXiv_src_0001_001.tar'),
      await tarOf([
        ['0001/hep-th0001001.gz', good],
        ['0001/hep-th0001002.gz', good.subarray(0, good.length - 9)],
      ]),
    );
    const out = join(dir, 'o');
    const r = moe(['ingest', join(dir, 'arXiv_src_0001_001.tar'), '--out', out, '--quiet', '--json']);
    expect(r.code).toBe(0);
    expect((await docsOf(out)).map((d) => d.metadata.arxiv_id)).toEqual(['hep-th/0001001']);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.stats.errors).toHaveLength(1);
    expect(report.stats.errors[0].path).toMatch(/arXiv_src_0001_001\.tar:0001\/hep-th0001002\.gz$/);
  });
});
