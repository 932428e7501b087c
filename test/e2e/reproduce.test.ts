/**
 * The dataset CI rebuilds: configs/reproduce.yaml curated from the bundled inputs gives exactly the
 * outputs of the committed configs/reproduce.manifest.json (.ci/run and the GitHub workflow run the
 * same check); a changed filter threshold makes the check fail, naming the files that differ.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { moe, ROOT, tmpDir } from '../helpers.js';

describe('reproducing a dataset', () => {
  it('curate + verify --against the committed manifest passes; a flipped threshold fails naming the files', () => {
    const dir = tmpDir();
    const config = join(ROOT, 'configs/reproduce.yaml');
    const manifest = join(ROOT, 'configs/reproduce.manifest.json');
    expect(moe(['curate', '--config', config, '--out', join(dir, 'same'), '--quiet', '--workers', '1']).code).toBe(0);
    const ok = moe(['verify', join(dir, 'same'), '--against', manifest]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`verify: 11 files match the manifest of ${join(dir, 'same')}, and the outputs of ${manifest}`);
    expect(moe(['curate', '--config', config, '--out', join(dir, 'flipped'), '--quiet', '--set', 'filter.web.params.gopher-quality.minWords=60']).code).toBe(0);
    const bad = moe(['verify', join(dir, 'flipped'), '--against', manifest]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ {2}filter\/part-00000\.jsonl\.gz: sha256 \S+ differs from \S+reproduce\.manifest\.json's/);
    expect(bad.stderr).toMatch(/ {2}shards\/train_text_document\.bin: sha256 /);
    expect(bad.stderr).not.toMatch(/ {2}ingest\/part-00000\.jsonl\.gz/);
    expect(bad.stderr).toMatch(/moe: error: \d+ output files of \S+ differ from \S+reproduce\.manifest\.json/);
    expect(bad.stderr).toContain('hint: the curated bytes changed');
  }, 120_000);
});
