/**
 * What `moe report` shows, read from a run folder: a curation run (`moe curate`: report.json and
 * the stage folders) or a training run (`moe train`: metrics.jsonl and checkpoints). Only the
 * stage reports and small samples of the part files are read, so a report of a large run is
 * quick: the counts come from the stages' own statistics.
 */
import { join } from 'node:path';
import { DataError } from '../core/errors.js';
import { exists, listDir, readText } from '../io/files.js';
import { listParts, quietBound, readPart } from '../io/jsonl.js';

export interface Row {
  [key: string]: string | number | null;
}

export interface Sample {
  id: string;
  source: string;
  language: string;
  filter?: string;
  reason?: string;
  value?: number | null;
  text: string;
}

export interface Cluster {
  kept: string;
  size: number;
  jaccard: number | null;
  removed: string;
  text: string;
}

export interface CurateData {
  dir: string;
  name: string;
  funnel: Row[];
  filters: Row[];
  mix: Row[];
  clusterSizes: Row[];
  singletons: number;
  largestClusters: Cluster[];
  tokens: Row[];
  rejected: Sample[];
  kept: Sample[];
  problems: Array<{ path: string; reason: string }>;
  problemCount: number;
}

export interface TrainData {
  dir: string;
  steps: number;
  last?: { step: number; loss: number; val_loss: number | null };
  best?: { step: number; val_loss: number };
  checkpoints: string[];
  loss: Row[];
  lr: Row[];
  gradNorm: Row[];
  throughput: Row[];
  expertLoad: Row[];
  events: Row[];
}

type Json = Record<string, unknown>;

async function readJson(path: string): Promise<Json | undefined> {
  if (!(await exists(path))) return undefined;
  try {
    return JSON.parse(await readText(path)) as Json;
  } catch (e) {
    throw new DataError(`${path} is not valid JSON (${(e as Error).message})`, 'rerun the command that wrote it');
  }
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const SNIPPET = 400;
const snippet = (text: string): string => (text.length > SNIPPET ? `${text.slice(0, SNIPPET)}…` : text);

export async function isCurateRun(dir: string): Promise<boolean> {
  const r = await readJson(join(dir, 'report.json')).catch(() => undefined);
  return r !== undefined && typeof r.stages === 'object' && typeof r.config_sha256 === 'string';
}

export async function isTrainRun(dir: string): Promise<boolean> {
  return exists(join(dir, 'metrics.jsonl'));
}

/** Counts under `prefix` split into the part before the first dot and the rest (`web` and `eng`). */
function splitCounts(counts: Json, prefix: string): Array<[string, string, number]> {
  const out: Array<[string, string, number]> = [];
  for (const [k, v] of Object.entries(counts)) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const dot = rest.indexOf('.');
    out.push(dot < 0 ? [rest, '', num(v)] : [rest.slice(0, dot), rest.slice(dot + 1), num(v)]);
  }
  return out;
}

/** Reads documents of a stage folder's parts until `enough()` says so. */
async function scan(
  dir: string,
  prefix: string,
  visit: (doc: { id: string; text: string; source: string; metadata: Json }) => void,
  enough: () => boolean,
): Promise<void> {
  if (!(await exists(dir))) return;
  for (const part of await listParts(dir, prefix)) {
    for await (const doc of readPart(part, quietBound(4 * 1024 * 1024))) {
      visit(doc as unknown as { id: string; text: string; source: string; metadata: Json });
      if (enough()) return;
    }
  }
}

/** The bins of a log2 histogram as labels: 1, 2–3, 4–7, … */
function binLabel(lo: number, hi: number): string {
  return hi - lo <= 1 ? String(lo) : `${lo}–${hi - 1}`;
}

export async function collectCurate(dir: string): Promise<CurateData> {
  const top = (await readJson(join(dir, 'report.json'))) ?? {};
  const stages = obj(top.stages);
  const filterReport = (await readJson(join(dir, 'filter', 'report.json'))) ?? {};
  const dedupReport = (await readJson(join(dir, 'dedup', 'report.json'))) ?? {};
  const shardsReport = (await readJson(join(dir, 'shards', 'report.json'))) ?? {};
  const ingest = obj(stages.ingest);
  const filters = filterRows(obj(stages.filter));
  const { clusterSizes, singletons } = clusterRows(dedupReport);
  const problems = (
    Array.isArray(ingest.errors) ? (ingest.errors as Array<{ path: string; reason: string }>) : []
  ).slice(0, 50);
  return {
    dir,
    name: String(top.name ?? dir),
    funnel: funnelRows(stages, shardsReport),
    filters,
    mix: mixRows(obj(obj(filterReport.stats).counts)),
    clusterSizes,
    singletons,
    largestClusters: await largestClusters(dir),
    tokens: tokenRows(stages, shardsReport),
    rejected: await rejectedSamples(dir, filters),
    kept: await keptSamples(dir),
    problems,
    problemCount: num(obj(ingest.counts).errors),
  };
}

/** Documents (and MB) after each stage. */
function funnelRows(stages: Json, shardsReport: Json): Row[] {
  const filter = obj(stages.filter);
  const dedup = obj(stages.dedup);
  const ingest = obj(stages.ingest);
  const funnel: Row[] = [];
  const add = (stage: string, docs: number, bytes: number | null): void => {
    funnel.push({ stage, measure: 'documents', value: docs });
    if (bytes !== null) funnel.push({ stage, measure: 'MB', value: Math.round(bytes / 1e4) / 100 });
  };
  if (stages.ingest) add('ingested', num(obj(ingest.counts).docs_out), stages.filter ? num(filter.bytes_in) : null);
  if (stages.filter) add('filtered', num(filter.docs_out), num(filter.bytes_out));
  if (stages.dedup)
    add('deduplicated', num(dedup.docs_out), shardsReport.bytes_in !== undefined ? num(shardsReport.bytes_in) : null);

  return funnel;
}

/** Per filter and reason: documents dropped first, that it would drop, and that it alone drops. */
function filterRows(filter: Json): Row[] {
  const filters: Row[] = [];
  for (const [name, f] of Object.entries(obj(filter.filters))) {
    for (const [reason, r] of Object.entries(obj(obj(f).reasons))) {
      const label = `${name} · ${reason}`;
      filters.push({ filter: name, reason, label, measure: 'dropped first', docs: num(obj(r).dropped) });
      filters.push({ filter: name, reason, label, measure: 'would drop', docs: num(obj(r).would_drop) });
      filters.push({ filter: name, reason, label, measure: 'dropped alone', docs: num(obj(r).alone) });
    }
  }

  return filters;
}

/** The source and language mix before and after the filter. */
function mixRows(counts: Json): Row[] {
  const mix: Row[] = [];
  for (const [when, key] of [
    ['before', 'in'],
    ['after', 'out'],
  ] as const) {
    const docs = new Map(splitCounts(counts, `mix.docs_${key}.`).map(([s, l, n]) => [`${s}\u0000${l}`, n]));
    for (const [source, language, bytes] of splitCounts(counts, `mix.bytes_${key}.`)) {
      mix.push({
        when,
        source,
        language,
        group: `${source} · ${language}`,
        docs: docs.get(`${source}\u0000${language}`) ?? 0,
        MB: Math.round(bytes / 1e4) / 100,
      });
    }
  }

  return mix;
}

/** Duplicate clusters by size (log2 bins), and the documents that had no duplicate. */
function clusterRows(dedupReport: Json): { clusterSizes: Row[]; singletons: number } {
  const clusterSizes: Row[] = [];
  let singletons = 0;
  const hist = obj(obj(obj(dedupReport.stats).histograms).cluster_size);
  const edges = Array.isArray(hist.edges) ? (hist.edges as number[]) : [];
  const hc = Array.isArray(hist.counts) ? (hist.counts as number[]) : [];
  hc.forEach((n, i) => {
    const lo = edges[i]!;
    const hi = edges[i + 1]!;
    if (lo <= 1 && hi <= 2) singletons += n;
    else if (n > 0) clusterSizes.push({ size: binLabel(lo, hi), lo, clusters: n });
  });

  return { clusterSizes, singletons };
}

/** The largest clusters, from the removed copies (each names the document it duplicates). */
async function largestClusters(dir: string): Promise<Cluster[]> {
  const byKept = new Map<string, Cluster>();
  await scan(
    join(dir, 'dedup', 'removed'),
    'part',
    (doc) => {
      const d = obj(doc.metadata.dedup);
      const kept = typeof d.duplicate_of === 'string' ? d.duplicate_of : undefined;
      if (!kept) return;
      const c = byKept.get(kept);
      if (c) c.size++;
      else
        byKept.set(kept, {
          kept,
          size: 2,
          jaccard: typeof d.jaccard === 'number' ? d.jaccard : null,
          removed: doc.id,
          text: snippet(doc.text),
        });
    },
    () => false,
  );
  return [...byKept.values()].sort((a, b) => b.size - a.size || (a.kept < b.kept ? -1 : 1)).slice(0, 5);
}

/** Tokens per split and source. */
function tokenRows(stages: Json, shardsReport: Json): Row[] {
  const tokens: Row[] = [];
  const tc = obj(obj(shardsReport.stats).counts);
  for (const [split, source, n] of splitCounts(tc, 'tokens.')) tokens.push({ split, source, tokens: n });
  if (!tokens.length) {
    for (const [split, s] of Object.entries(obj(obj(stages.tokenize).splits)))
      tokens.push({ split, source: 'all', tokens: num(obj(s).tokens) });
  }

  return tokens;
}

/** Two rejected documents for each reason that dropped any. */
async function rejectedSamples(dir: string, filters: Row[]): Promise<Sample[]> {
  const perReason = 2;
  const wanted = new Set(
    filters.filter((r) => r.measure === 'dropped first' && num(r.docs) > 0).map((r) => `${r.filter}\u0000${r.reason}`),
  );
  const got = new Map<string, number>();
  const rejected: Sample[] = [];
  await scan(
    join(dir, 'filter', 'rejected'),
    'part',
    (doc) => {
      const f = obj(doc.metadata.filter);
      const key = `${String(f.name)}\u0000${String(f.reason)}`;
      const n = got.get(key) ?? 0;
      if (n >= perReason) return;
      got.set(key, n + 1);
      rejected.push({
        id: doc.id,
        source: doc.source,
        language: String(doc.metadata.language ?? ''),
        filter: String(f.name),
        reason: String(f.reason),
        value: typeof f.value === 'number' ? f.value : null,
        text: snippet(doc.text),
      });
    },
    () => [...wanted].every((k) => (got.get(k) ?? 0) >= perReason),
  );
  rejected.sort((a, b) =>
    a.filter! + a.reason! < b.filter! + b.reason! ? -1 : a.filter! + a.reason! > b.filter! + b.reason! ? 1 : 0,
  );
  return rejected;
}

/** A few kept documents, at most two per source. */
async function keptSamples(dir: string): Promise<Sample[]> {
  const kept: Sample[] = [];
  const keptSources = new Map<string, number>();
  await scan(
    join(dir, 'dedup'),
    'part',
    (doc) => {
      const n = keptSources.get(doc.source) ?? 0;
      if (n >= 2) return;
      keptSources.set(doc.source, n + 1);
      kept.push({
        id: doc.id,
        source: doc.source,
        language: String(doc.metadata.language ?? ''),
        text: snippet(doc.text),
      });
    },
    () => kept.length >= 6,
  );

  return kept;
}

export async function collectTrain(dir: string): Promise<TrainData> {
  const lines = (await readText(join(dir, 'metrics.jsonl'))).split('\n').filter((l) => l.trim());
  const config = (await readJson(join(dir, 'train_config.json'))) ?? {};
  const loss: Row[] = [];
  const lr: Row[] = [];
  const gradNorm: Row[] = [];
  const throughput: Row[] = [];
  const expertLoad: Row[] = [];
  const events: Row[] = [];
  let last: TrainData['last'];
  let best: TrainData['best'];
  lines.forEach((line, i) => {
    let m: Json;
    try {
      m = JSON.parse(line) as Json;
    } catch {
      throw new DataError(
        `${join(dir, 'metrics.jsonl')}:${i + 1} is not valid JSON`,
        'the run was interrupted while writing it; moe train --resume cuts it back',
      );
    }
    if (typeof m.step !== 'number') return;
    const step = m.step;
    if (m.skipped || m.rollback || typeof m.loss !== 'number') {
      events.push({
        step,
        event: m.skipped ? `update skipped (${String(m.skipped)})` : m.rollback ? 'rolled back' : 'event',
      });
      return;
    }
    loss.push({ step, series: 'train', loss: m.loss });
    const val = typeof m.val_loss === 'number' ? m.val_loss : null;
    if (val !== null) {
      loss.push({ step, series: 'validation', loss: val });
      if (!best || val < best.val_loss) best = { step, val_loss: val };
    }
    lr.push({ step, lr: num(m.lr) });
    gradNorm.push({ step, grad_norm: num(m.grad_norm) });
    throughput.push({ step, tokens_per_s: num(m.tokens_per_s) });
    if (Array.isArray(m.expert_load)) {
      for (const [l, layer] of (m.expert_load as number[][]).entries()) {
        for (const [e, load] of layer.entries())
          expertLoad.push({ layer: `MoE layer ${l + 1}`, step, expert: e, load });
      }
    }
    last = { step, loss: m.loss, val_loss: val ?? last?.val_loss ?? null };
  });
  const ckDir = join(dir, 'checkpoints');
  const checkpoints = (await exists(ckDir))
    ? (await listDir(ckDir))
        .filter((n) => n.startsWith('step-'))
        .sort()
        .map((n) => join(ckDir, n))
    : [];
  return {
    dir,
    steps: num(obj(config.train).steps),
    last,
    best,
    checkpoints,
    loss,
    lr,
    gradNorm,
    throughput,
    expertLoad,
    events,
  };
}
