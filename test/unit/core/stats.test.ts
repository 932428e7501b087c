import { describe, expect, it } from 'vitest';
import { StageStats, mergeStats, statsToReport } from '../../../src/core/stats.js';

describe('stats', () => {
  it('counts, observes and merges without touching the inputs', () => {
    const a = new StageStats();
    a.count('docs');
    a.count('docs', 2);
    a.observe('len', 4);
    a.observe('len', 10);
    a.error('x.gz', 'truncated');
    const b = new StageStats();
    b.count('docs', 5);
    b.count('skipped.binary');
    b.observe('len', 1);
    const before = JSON.stringify(a.data);
    const m = mergeStats(a.data, b.data);
    expect(JSON.stringify(a.data)).toBe(before);
    expect(m.counts).toEqual({ docs: 8, errors: 1, 'skipped.binary': 1 });
    expect(m.summaries.len).toEqual({ n: 3, sum: 15, min: 1, max: 10 });
    expect(m.errors).toEqual([{ path: 'x.gz', reason: 'truncated' }]);
    const r = statsToReport(m);
    expect(Object.keys(r.counts)).toEqual(['docs', 'errors', 'skipped.binary']);
    expect(r.summaries.len!.mean).toBe(5);
  });
});
