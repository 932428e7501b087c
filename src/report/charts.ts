/**
 * The report's charts as Vega-Lite specifications, compiled here to Vega so the page needs only
 * the Vega runtime. Each chart has a name the page and its test find it by.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import type { CurateData, Row, TrainData } from './collect.js';

export interface Chart {
  name: string;
  title: string;
  caption: string;
  /** A compiled Vega specification. */
  spec: object;
}

const WIDTH = 560;

function chart(name: string, title: string, caption: string, values: Row[], spec: Record<string, unknown>): Chart {
  const vl = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    ...(spec.facet ? {} : { width: WIDTH }),
    ...spec,
  } as TopLevelSpec;
  return { name, title, caption, spec: compile(vl).spec };
}

const STAGE_ORDER = ['ingested', 'filtered', 'deduplicated'];
const MEASURES = ['dropped first', 'would drop', 'dropped alone'];

/** Keeps the `n` largest groups by `field` and sums the rest into "other". */
function topGroups(rows: Row[], n: number, field: string): Row[] {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(String(r.group), (totals.get(String(r.group)) ?? 0) + Number(r[field]));
  const keep = new Set(
    [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, n)
      .map(([g]) => g),
  );
  return rows.map((r) => (keep.has(String(r.group)) ? r : { ...r, group: 'other' }));
}

export function curateCharts(d: CurateData): Chart[] {
  const charts: Array<[boolean, (d: CurateData) => Chart]> = [
    [d.funnel.length > 0, funnelChart],
    [d.filters.length > 0, filtersChart],
    [d.mix.length > 0, mixChart],
    [true, clustersChart],
    [d.tokens.length > 0, tokensChart],
  ];
  return charts.filter(([shown]) => shown).map(([, make]) => make(d));
}

/** Documents and bytes through each stage. */
function funnelChart(d: CurateData): Chart {
  return chart(
    'funnel',
    'Documents and bytes through each stage',
    'What each stage kept: documents (left) and megabytes of text (right).',
    d.funnel,
    {
      facet: { column: { field: 'measure', type: 'nominal', title: null, sort: ['documents', 'MB'] } },
      spec: {
        width: 260,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'stage', type: 'nominal', sort: STAGE_ORDER, title: null, axis: { labelAngle: 0 } },
          y: { field: 'value', type: 'quantitative', title: null },
          color: { field: 'stage', type: 'nominal', sort: STAGE_ORDER, legend: null },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  );
}

/** Per filter reason: the documents it dropped first, would drop, and dropped alone. */
function filtersChart(d: CurateData): Chart {
  return chart(
    'filters',
    'Filters: what each reason dropped',
    '"dropped first": documents this reason removed (the first filter to fire in the chain); "would drop": documents it fires on, judged alone on every document; "dropped alone": documents no other filter would have dropped.',
    d.filters,
    {
      mark: { type: 'bar', tooltip: true },
      height: { step: 9 },
      encoding: {
        y: { field: 'label', type: 'nominal', title: null },
        yOffset: { field: 'measure', type: 'nominal', sort: MEASURES },
        x: { field: 'docs', type: 'quantitative', title: 'documents' },
        color: { field: 'measure', type: 'nominal', sort: MEASURES, title: null, legend: { orient: 'top' } },
      },
    },
  );
}

/** The source and language mix before and after filtering. */
function mixChart(d: CurateData): Chart {
  return chart(
    'mix',
    'Source and language mix, before and after filtering',
    'Megabytes of text per source and language (for code, the programming language) entering the filter stage and kept by it; the 12 largest groups, the rest as "other".',
    topGroups(d.mix, 12, 'MB'),
    {
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'when', type: 'nominal', sort: ['before', 'after'], title: null },
        x: { aggregate: 'sum', field: 'MB', type: 'quantitative', title: 'MB' },
        color: { field: 'group', type: 'nominal', title: 'source · language', scale: { scheme: 'tableau20' } },
      },
    },
  );
}

/** Duplicate clusters by size. */
function clustersChart(d: CurateData): Chart {
  return chart(
    'clusters',
    'Duplicate clusters by size',
    `Clusters of near-duplicate documents by their number of copies (one is kept of each); ${d.singletons} documents had no duplicate.`,
    d.clusterSizes,
    {
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: {
          field: 'size',
          type: 'ordinal',
          sort: { field: 'lo' },
          title: 'copies in the cluster',
          axis: { labelAngle: 0 },
        },
        y: { field: 'clusters', type: 'quantitative', title: 'clusters' },
      },
    },
  );
}

/** Tokens per source and split. */
function tokensChart(d: CurateData): Chart {
  return chart(
    'tokens',
    'Tokens per source and split',
    'Tokens in the training and validation shards (end-of-text tokens included), by the source of their documents.',
    d.tokens,
    {
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'split', type: 'nominal', sort: ['train', 'val'], title: null },
        x: { field: 'tokens', type: 'quantitative', title: 'tokens' },
        color: { field: 'source', type: 'nominal', title: 'source' },
      },
    },
  );
}

const line = (y: string, title: string, scale?: Record<string, unknown>): Record<string, unknown> => ({
  mark: { type: 'line', point: false, tooltip: true },
  encoding: {
    x: { field: 'step', type: 'quantitative', title: 'step' },
    y: { field: y, type: 'quantitative', title, ...(scale ? { scale } : {}) },
  },
});

export function trainCharts(d: TrainData): Chart[] {
  const charts: Chart[] = [
    chart(
      'loss',
      'Loss',
      "Training loss (the mean over each logged step's batches, auxiliary and z-loss included) and validation cross-entropy, in nats per token.",
      d.loss,
      {
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: 'loss', type: 'quantitative', title: 'nats / token', scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top' } },
        },
      },
    ),
    chart(
      'lr',
      'Learning rate',
      'The schedule: linear warm-up, then cosine decay to the minimum.',
      d.lr,
      line('lr', 'learning rate'),
    ),
    chart(
      'grad_norm',
      'Gradient norm',
      'The global L2 norm of the gradients before clipping.',
      d.gradNorm,
      line('grad_norm', 'norm', { zero: false }),
    ),
    chart(
      'throughput',
      'Tokens per second',
      'Training throughput over the logged interval.',
      d.throughput,
      line('tokens_per_s', 'tokens / s'),
    ),
  ];
  if (d.expertLoad.length) {
    charts.push(
      chart(
        'expert_load',
        'Expert load per MoE layer',
        'The fraction of routed token slots each expert received at each logged step; an even load is 1 / (number of experts) everywhere.',
        d.expertLoad,
        {
          facet: { row: { field: 'layer', type: 'nominal', title: null } },
          spec: {
            width: WIDTH,
            mark: { type: 'rect', tooltip: true },
            encoding: {
              x: { field: 'step', type: 'ordinal', title: 'step', axis: { labelOverlap: true } },
              y: { field: 'expert', type: 'ordinal', title: 'expert' },
              color: { field: 'load', type: 'quantitative', title: 'load', scale: { scheme: 'viridis', domainMin: 0 } },
            },
          },
        },
      ),
    );
  }
  return charts;
}
