/**
 * Per-stage statistics (HOUSE_STYLE 2): stages call `count` and `observe`; the runner owns the
 * object, merges per-worker and per-shard copies with the pure `mergeStats`, and writes the
 * result into `report.json`. Keys are lower_snake with dotted reason suffixes
 * (`dropped.gopher_short_doc`).
 */

/** A summary of observed values: n, sum, min, max (mean is derived). */
export interface Summary {
  n: number;
  sum: number;
  min: number;
  max: number;
}

/** One input that could not be (fully) processed, with its path and why. */
export interface FileError {
  path: string;
  reason: string;
}

/** Plain-data stats, safe to post between threads and to serialise. */
export interface StatsData {
  counts: Record<string, number>;
  summaries: Record<string, Summary>;
  errors: FileError[];
}

export class StageStats {
  readonly data: StatsData = { counts: {}, summaries: {}, errors: [] };

  count(key: string, n = 1): void {
    this.data.counts[key] = (this.data.counts[key] ?? 0) + n;
  }

  observe(key: string, value: number): void {
    const s = this.data.summaries[key];
    if (s === undefined) this.data.summaries[key] = { n: 1, sum: value, min: value, max: value };
    else {
      s.n += 1;
      s.sum += value;
      if (value < s.min) s.min = value;
      if (value > s.max) s.max = value;
    }
  }

  /** Records a file that failed, counted under `errors` and listed with its reason. */
  error(path: string, reason: string): void {
    this.data.errors.push({ path, reason });
    this.count('errors');
  }

  merge(other: StatsData): void {
    const merged = mergeStats(this.data, other);
    Object.assign(this.data, merged);
  }
}

/** Merges two stats records into a new one; neither input is modified. */
export function mergeStats(a: StatsData, b: StatsData): StatsData {
  const counts = { ...a.counts };
  for (const [k, v] of Object.entries(b.counts)) counts[k] = (counts[k] ?? 0) + v;
  const summaries: Record<string, Summary> = {};
  for (const [k, v] of Object.entries(a.summaries)) summaries[k] = { ...v };
  for (const [k, v] of Object.entries(b.summaries)) {
    const s = summaries[k];
    summaries[k] = s === undefined ? { ...v } : { n: s.n + v.n, sum: s.sum + v.sum, min: Math.min(s.min, v.min), max: Math.max(s.max, v.max) };
  }
  return { counts, summaries, errors: [...a.errors, ...b.errors] };
}

/** The JSON shape of stats in `report.json`: sorted keys, means included. */
export interface StatsReport {
  counts: Record<string, number>;
  summaries: Record<string, Summary & { mean: number }>;
  errors: FileError[];
}

export function statsToReport(data: StatsData): StatsReport {
  const sortKeys = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  const summaries = Object.fromEntries(
    Object.entries(sortKeys(data.summaries)).map(([k, s]) => [k, { ...s, mean: s.n ? s.sum / s.n : 0 }]),
  );
  return { counts: sortKeys(data.counts), summaries, errors: data.errors };
}
