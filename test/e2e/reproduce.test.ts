/**
 * The dataset CI rebuilds: configs/reproduce.yaml curated from the bundled inputs gives exactly the
 * outputs of the committed configs/reproduce.manifest.json (.ci/run and the GitHub workflow run the
 * same check); a changed filter threshold makes the check fail, naming the files that differ.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moe, ROOT, tmpDir } from '../helpers.js';

describe('reproducing a dataset', () => {
  it('curate + verify --against the committed manifest passes; a flipped threshold fails naming the files', () => {
    const dir = tmpDir();
    const config = join(ROOT, 'configs/reproduce.yaml');
    const manifest = join(ROOT, 'configs/reproduce.manifest.json');
    expect(moe(['curate', '--config', config, '--out', join(dir, 'same'), '--quiet', '--workers', '1']).code).toBe(0);
    const ok = moe(['verify', join(dir, 'same'), '--against', manifest]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(
      `verify: 11 files match the manifest of ${join(dir, 'same')}, and the outputs of ${manifest}`,
    );
    expect(
      moe([
        'curate',
        '--config',
        config,
        '--out',
        join(dir, 'flipped'),
        '--quiet',
        '--set',
        'filter.web.params.gopher-quality.minWords=60',
      ]).code,
    ).toBe(0);
    const bad = moe(['verify', join(dir, 'flipped'), '--against', manifest]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      / {2}filter\/part-00000\.jsonl\.gz: sha256 \S+ differs from \S+reproduce\.manifest\.json's/,
    );
    expect(bad.stderr).toMatch(/ {2}shards\/train_text_document\.bin: sha256 /);
    expect(bad.stderr).not.toMatch(/ {2}ingest\/part-00000\.jsonl\.gz/);
    expect(bad.stderr).toMatch(/moe: error: \d+ output files of \S+ differ from \S+reproduce\.manifest\.json/);
    expect(bad.stderr).toContain('hint: the curated bytes changed');
  }, 120_000);
});

describe('curate --until and --from', () => {
  it('--until filter stops there (no manifest); a plain run then skips what is done; --from dedup redoes dedup and tokenize to the same bytes', () => {
    const run = join(tmpDir(), 'run');
    const config = join(ROOT, 'configs/reproduce.yaml');
    const until = moe(['curate', '--config', config, '--out', run, '--until', 'filter']);
    expect(until.code, until.stderr).toBe(0);
    expect(until.stderr).toContain('curate: stopped after filter (--until filter)');
    expect(readdirSync(run).sort()).toEqual(['filter', 'ingest', 'report.json']);
    expect(Object.keys(JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')).stages)).toEqual([
      'ingest',
      'filter',
    ]);
    const rest = moe(['curate', '--config', config, '--out', run]);
    expect(rest.code).toBe(0);
    expect(rest.stderr).toContain('curate: ingest up to date');
    expect(rest.stderr).toContain('curate: filter up to date');
    expect(rest.stderr).toContain('curate: dedup done');
    const manifest = readFileSync(join(run, 'manifest.json'), 'utf8');
    const from = moe(['curate', '--config', config, '--out', run, '--from', 'dedup']);
    expect(from.code).toBe(0);
    expect(from.stderr).toContain('curate: filter up to date');
    expect(from.stderr).toContain('curate: dedup done');
    expect(from.stderr).toContain('curate: tokenize done');
    expect(readFileSync(join(run, 'manifest.json'), 'utf8')).toBe(manifest);
    expect(moe(['verify', run, '--against', join(ROOT, 'configs/reproduce.manifest.json')]).code).toBe(0);
    const bad = moe(['curate', '--config', config, '--out', run, '--from', 'tokenize', '--until', 'filter']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('moe: error: --from tokenize comes after --until filter');
  }, 120_000);
});

describe('curate --plan', () => {
  it('says which stage would run first and why, and what follows it, writing nothing', () => {
    const run = join(tmpDir(), 'run');
    const config = join(ROOT, 'configs/reproduce.yaml');
    const plan = (...extra: string[]): string => {
      const r = moe(['curate', '--config', config, '--out', run, '--plan', '--quiet', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return r.stderr;
    };
    expect(plan()).toContain(
      'curate: ingest would run (no output yet), then filter, dedup, tokenizer training, tokenize; --plan wrote nothing',
    );
    expect(existsSync(run)).toBe(false);
    expect(moe(['curate', '--config', config, '--out', run, '--quiet']).code).toBe(0);
    const before = readFileSync(join(run, 'manifest.json'), 'utf8');
    expect(plan()).toContain('curate: every stage is up to date; --plan wrote nothing');
    expect(plan('--set', 'filter.web.params.gopher-quality.minWords=60')).toContain(
      'curate: filter would run (its input or settings changed), then dedup, tokenizer training, tokenize; --plan wrote nothing',
    );
    expect(plan('--set', 'tokenize.valFraction=0.5')).toContain(
      'curate: tokenize would run (its input or settings changed); --plan wrote nothing',
    );
    expect(plan('--from', 'dedup')).toContain(
      'curate: dedup would run (--from), then tokenizer training, tokenize; --plan wrote nothing',
    );
    expect(readFileSync(join(run, 'manifest.json'), 'utf8')).toBe(before);
    expect(moe(['verify', run]).code).toBe(0);
  }, 120_000);
});
