/**
 * Per-stage statistics: stages call `count` and `observe`; the runner owns the
 * object, merges per-worker and per-shard copies with the pure `mergeStats`, and writes the
 * result into `report.json`. Keys are lower_snake with dotted reason suffixes
 * (`dropped.gopher_short_doc`).
 */
import { DataError } from './errors.js';
import { displayPath } from './stage.js';

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

/**
 * A histogram over fixed bins: `edges` has one more entry than `counts`; bin i holds values in
 * [edges[i], edges[i+1]); the last bin also holds everything above, the first everything below.
 */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Bin layouts: linear over [lo, hi], or powers of two from 1 (for counts and lengths). */
export type HistogramSpec = { kind: 'linear'; lo: number; hi: number; bins: number } | { kind: 'log2'; maxExp: number };

export function histogramEdges(spec: HistogramSpec): number[] {
  if (spec.kind === 'linear')
    return Array.from(
      { length: spec.bins + 1 },
      (_, i) => +(spec.lo + ((spec.hi - spec.lo) * i) / spec.bins).toPrecision(12),
    );
  return [0, ...Array.from({ length: spec.maxExp + 1 }, (_, i) => 2 ** i)];
}

function binOf(edges: number[], value: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (value >= edges[mid]!) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Plain-data stats, safe to post between threads and to serialise. */
export interface StatsData {
  counts: Record<string, number>;
  summaries: Record<string, Summary>;
  histograms: Record<string, Histogram>;
  errors: FileError[];
}

export class StageStats {
  readonly data: StatsData = { counts: {}, summaries: {}, histograms: {}, errors: [] };

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

  /** Adds a value to the histogram `key` (created with `spec` on first use). */
  histogram(key: string, value: number, spec: HistogramSpec): void {
    let h = this.data.histograms[key];
    if (!h) {
      const edges = histogramEdges(spec);
      h = this.data.histograms[key] = { edges, counts: new Array<number>(edges.length - 1).fill(0) };
    }
    h.counts[binOf(h.edges, value)]! += 1;
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
    summaries[k] =
      s === undefined
        ? { ...v }
        : { n: s.n + v.n, sum: s.sum + v.sum, min: Math.min(s.min, v.min), max: Math.max(s.max, v.max) };
  }
  const histograms: Record<string, Histogram> = {};
  for (const [k, v] of Object.entries(a.histograms)) histograms[k] = { edges: v.edges, counts: [...v.counts] };
  for (const [k, v] of Object.entries(b.histograms)) {
    const h = histograms[k];
    histograms[k] =
      h === undefined
        ? { edges: v.edges, counts: [...v.counts] }
        : { edges: h.edges, counts: h.counts.map((c, i) => c + (v.counts[i] ?? 0)) };
  }
  return { counts, summaries, histograms, errors: [...a.errors, ...b.errors] };
}

/** The JSON shape of stats in `report.json`: sorted keys, means included. */
export interface StatsReport {
  counts: Record<string, number>;
  summaries: Record<string, Summary & { mean: number }>;
  histograms: Record<string, Histogram>;
  errors: FileError[];
}

export function statsToReport(data: StatsData): StatsReport {
  const sortKeys = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  const summaries = Object.fromEntries(
    Object.entries(sortKeys(data.summaries)).map(([k, s]) => [k, { ...s, mean: s.n ? s.sum / s.n : 0 }]),
  );
  return { counts: sortKeys(data.counts), summaries, histograms: sortKeys(data.histograms), errors: data.errors };
}

/** `--strict`: the first of `errors` as a DataError naming its path (nothing when there is none). */
export function failOnFirst(errors: FileError[]): void {
  const e = errors[0];
  if (e)
    throw new DataError(
      `${displayPath(e.path)}: ${e.reason}`,
      'with --strict the run stops at the first input problem; fix or remove that input, or drop --strict to skip it and go on',
    );
}
