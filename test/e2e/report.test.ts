/**
 * `moe report`: one self-contained page per run (the browser test of the demo's report is in
 * examples.test.ts); what it refuses.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moe, ROOT, tmpDir } from '../helpers.js';

describe('moe report', () => {
  it('a curation run: the charts it has data for, inlined, the same bytes each time', () => {
    const dir = tmpDir();
    const run = join(dir, 'run');
    const c = moe(['curate', '--config', join(ROOT, 'configs/reproduce.yaml'), '--out', run, '--quiet']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toContain(`charts: ${join(run, 'report.html')}`);
    const r = moe(['report', run, '--out', join(dir, 'a.html'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).charts).toEqual(['funnel', 'filters', 'mix', 'clusters', 'tokens']);
    const html = readFileSync(join(dir, 'a.html'), 'utf8');
    // nothing loaded from elsewhere: no src/href to a resource, and a policy that forbids it
    expect(html).not.toMatch(/<(script|img|iframe)[^>]+src=|<link[^>]+href=/i);
    expect(html).toContain(`content="default-src 'none';`);
    const specs = JSON.parse(
      html.match(/<script type="application\/json" id="moe-specs">([\s\S]*?)<\/script>/)![1]!,
    ) as Record<string, { data: Array<{ name: string; values?: Array<Record<string, unknown>> }> }>;
    const funnel = specs.funnel!.data.find((d) => d.values)!.values!;
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
    expect(funnel.filter((v) => v.measure === 'documents').map((v) => [v.stage, v.value])).toEqual([
      ['ingested', report.stages.ingest.counts.docs_out],
      ['filtered', report.stages.filter.docs_out],
      ['deduplicated', report.stages.dedup.docs_out],
    ]);
    // the same run gives the same page
    expect(moe(['report', run, '--out', join(dir, 'b.html')]).code).toBe(0);
    expect(readFileSync(join(dir, 'b.html'), 'utf8')).toBe(html);
    expect(readFileSync(join(run, 'report.html'), 'utf8')).toBe(html);
  }, 60_000);

  it('refuses a folder that is no run, a missing one, and a file it did not write', () => {
    const dir = tmpDir();
    const run = moe(['report', join(ROOT, 'fixtures')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `${join(ROOT, 'fixtures')} is neither a moe curate run (report.json with stages) nor a moe train run (metrics.jsonl)`,
    );
    const missing = moe(['report', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(dir, 'nope')} not found`);
    // a training run's metrics, and an output file that is the user's
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      '{"step":1,"loss":5,"ce":5,"aux":0,"z":0,"lr":0.001,"grad_norm":1,"tokens_per_s":10,"expert_load":[[0.5,0.5]]}\n',
    );
    writeFileSync(join(dir, 'mine.html'), '<p>my page</p>');
    const mine = moe(['report', dir, '--out', join(dir, 'mine.html')]);
    expect(mine.code).toBe(1);
    expect(mine.stderr).toContain(`${join(dir, 'mine.html')} exists and was not written by moe report`);
    expect(readFileSync(join(dir, 'mine.html'), 'utf8')).toBe('<p>my page</p>');
    const ok = moe(['report', dir, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).charts).toEqual(['loss', 'lr', 'grad_norm', 'throughput', 'expert_load']);
    // a metrics line cut by a crash is named
    writeFileSync(join(dir, 'metrics.jsonl'), '{"step":1,"loss":5}\n{"step":2,"lo');
    const cut = moe(['report', dir]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain(`${join(dir, 'metrics.jsonl')}:2 is not valid JSON`);
  });
});
