import { describe, expect, it } from 'vitest';
import { arxivIdOf, decodeTex, pickMain } from '../../../src/ingest/arxiv.js';
import { KNOWN_LANGUAGES, languageOf } from '../../../src/ingest/languages.js';
import { identifyLicense } from '../../../src/ingest/license.js';
import { kindByName, parseShard } from '../../../src/ingest/plan.js';

describe('arxivIdOf', () => {
  it('reads new-style and old-style ids and yymm from file names', () => {
    expect(arxivIdOf('2401.06066.tar.gz')).toEqual({ arxiv_id: '2401.06066', yymm: '2401' });
    expect(arxivIdOf('/x/2401.06066v3.gz')).toEqual({ arxiv_id: '2401.06066', yymm: '2401' });
    expect(arxivIdOf('0704.0001.tex')).toEqual({ arxiv_id: '0704.0001', yymm: '0704' });
    expect(arxivIdOf('hep-th9901001.gz')).toEqual({ arxiv_id: 'hep-th/9901001', yymm: '9901' });
    expect(arxivIdOf('math.AG0501001.tar.gz')).toEqual({ arxiv_id: 'math.AG/0501001', yymm: '0501' });
    expect(arxivIdOf('paper.tex')).toBeUndefined();
  });
});

describe('decodeTex and pickMain', () => {
  it('reads UTF-8, and Latin-1 when the bytes are not UTF-8', () => {
    expect(decodeTex(Buffer.from('Schrödinger'))).toEqual({ text: 'Schrödinger', latin1: false });
    expect(decodeTex(Buffer.from('Schrödinger', 'latin1'))).toEqual({ text: 'Schrödinger', latin1: true });
  });
  it('prefers the file with \\documentclass and \\begin{document}; ignores a commented-out one', () => {
    const files = new Map([
      ['a.tex', '% \\documentclass{article}\n\\section{A}'],
      ['sub/ms.tex', '\\documentclass{article}\n\\begin{document}\\end{document}'],
      ['style.tex', '\\documentclass{standalone}'],
    ]);
    expect(pickMain(files)).toBe('sub/ms.tex');
    expect(pickMain(new Map([['only.tex', '\\section{x}']]))).toBe('only.tex');
    expect(
      pickMain(
        new Map([
          ['a.tex', 'x'],
          ['b.tex', 'y'],
        ]),
      ),
    ).toBeUndefined();
  });
});

describe('languageOf', () => {
  it('knows at least the 40 most common languages, by extension and file name', () => {
    expect(KNOWN_LANGUAGES.size).toBeGreaterThanOrEqual(40);
    expect(languageOf('a.py')).toBe('Python');
    expect(languageOf('x.TSX')).toBe('TypeScript');
    expect(languageOf('Makefile')).toBe('Makefile');
    expect(languageOf('Dockerfile')).toBe('Dockerfile');
    expect(languageOf('notes.xyz')).toBeUndefined();
    expect(languageOf('.bashrc')).toBeUndefined();
    expect(languageOf('m.pyx', { pyx: 'Cython' })).toBe('Cython');
  });
});

describe('identifyLicense', () => {
  it('recognises the common licenses and nothing else', () => {
    expect(
      identifyLicense('Permission is hereby granted, free of charge, to any person obtaining a copy of this'),
    ).toBe('MIT');
    expect(identifyLicense('Apache License\nVersion 2.0, January 2004')).toBe('Apache-2.0');
    expect(identifyLicense('GNU LESSER GENERAL PUBLIC LICENSE\n Version 3, 29 June 2007')).toBe('LGPL-3.0');
    expect(identifyLicense('GNU GENERAL PUBLIC LICENSE\n Version 2, June 1991')).toBe('GPL-2.0');
    expect(identifyLicense('All rights reserved.')).toBeUndefined();
  });
});

describe('planning helpers', () => {
  it('classifies files by name', () => {
    expect(kindByName('CC-MAIN-1.warc.gz')).toEqual({ kind: 'web', format: 'warc' });
    expect(kindByName('CC-MAIN-1.warc.wet.gz')).toEqual({ kind: 'web', format: 'wet' });
    expect(kindByName('x.wet')).toEqual({ kind: 'web', format: 'wet' });
    expect(kindByName('d.jsonl.zst')).toEqual({ kind: 'web', format: 'jsonl' });
    expect(kindByName('d.json.gz')).toEqual({ kind: 'web', format: 'jsonl' });
    expect(kindByName('2401.00001.tar.gz')).toEqual({ kind: 'arxiv' });
    expect(kindByName('2401.00001.gz')).toEqual({ kind: 'arxiv' });
    expect(kindByName('main.tex')).toEqual({ kind: 'tex' });
    expect(kindByName('archive.gz')).toBeUndefined();
  });
  it('parses --shard I/N and rejects bad ones', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard(undefined)).toBeUndefined();
    for (const bad of ['4/4', '1/0', 'a/b', '1']) expect(() => parseShard(bad)).toThrow(/bad --shard/);
  });
});
