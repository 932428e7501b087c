/**
 * Filters that score documents with a model trained on data (loaded by path from the config):
 *
 * `perplexity`: perplexity under the n-gram LM of a clean reference corpus (CCNet); drops
 * `perplexity_too_high`. `classifier`: P(high quality) from the hashed n-gram classifier
 * (GPT-3/DCLM); drops `classifier_low_score`.
 *
 * Each takes either a fixed threshold (`maxPerplexity`, `minScore`) or a fraction to drop
 * (`dropWorstFraction`): then the threshold is learned before the run on the first `sampleSize`
 * documents of the input (in input order, so a re-run learns the same value) and recorded in
 * the report. `languages` limits a model to the languages it was trained on; other documents
 * pass untouched.
 */
import type { ClassifierParams, PerplexityParams } from './params.js';
import type { Doc } from '../core/doc.js';
import type { QualityClassifier } from './models/classifier.js';
import type { NgramLm } from './models/ngram-lm.js';
import type { TextView } from './view.js';
import { COUNT, FRACTION, type StepContext, type StepDefinition } from './types.js';

/** A step whose threshold can be learned from sample scores before the run. */
export interface Learnable {
  /** The score of a document, or undefined when the step does not apply to it. */
  score(doc: Doc, view: TextView): number | undefined;
  /** The threshold from the sample's scores. */
  threshold(scores: number[]): number;
}

/** Nearest-rank quantile of `q` ∈ [0, 1]. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

function applies(languages: string[], doc: Doc): boolean {
  return languages.length === 0 || languages.includes(String(doc.metadata.language ?? 'und'));
}

function needModel<T>(ctx: StepContext, name: string): T {
  const m = ctx.models[name];
  if (!m) throw new Error(`step "${name}" has no model loaded`);
  return m as T;
}

export const perplexity: StepDefinition<PerplexityParams> & {
  learnable(p: PerplexityParams, ctx: StepContext): Learnable | undefined;
} = {
  name: 'perplexity',
  kind: 'filter',
  metrics: { perplexity: COUNT },
  learnable(p, ctx) {
    if (p.maxPerplexity !== undefined) return undefined;
    const lm = needModel<NgramLm>(ctx, 'perplexity');
    const drop = p.dropWorstFraction ?? 0.3;
    return {
      score: (doc, view) => (applies(p.languages, doc) ? lm.perplexity(view.text).perplexity : undefined),
      threshold: (scores) => quantile(scores.filter(Number.isFinite), 1 - drop),
    };
  },
  create(p, ctx) {
    const lm = needModel<NgramLm>(ctx, 'perplexity');
    const max = p.maxPerplexity ?? ctx.learned.perplexity;
    if (max === undefined) throw new Error('perplexity threshold was not learned');
    return {
      kind: 'filter',
      name: 'perplexity',
      keep(doc, view, measure) {
        if (!applies(p.languages, doc)) return true;
        const { perplexity: ppl, tokens } = lm.perplexity(view.text);
        if (tokens === 0) return true;
        measure('perplexity', ppl);
        return ppl > max ? { reason: 'perplexity_too_high', value: ppl } : true;
      },
    };
  },
};

export const classifier: StepDefinition<ClassifierParams> & {
  learnable(p: ClassifierParams, ctx: StepContext): Learnable | undefined;
} = {
  name: 'classifier',
  kind: 'filter',
  metrics: { score: FRACTION },
  learnable(p, ctx) {
    if (p.minScore !== undefined || p.dropWorstFraction === undefined) return undefined;
    const clf = needModel<QualityClassifier>(ctx, 'classifier');
    const drop = p.dropWorstFraction;
    return {
      score: (doc, view) => (applies(p.languages, doc) ? clf.score(view.text) : undefined),
      threshold: (scores) => quantile(scores, drop),
    };
  },
  create(p, ctx) {
    const clf = needModel<QualityClassifier>(ctx, 'classifier');
    const min = p.minScore ?? ctx.learned.classifier ?? 0.5;
    return {
      kind: 'filter',
      name: 'classifier',
      keep(doc, view, measure) {
        if (!applies(p.languages, doc)) return true;
        const s = clf.score(view.text);
        measure('score', s);
        return s < min ? { reason: 'classifier_low_score', value: s } : true;
      },
    };
  },
};
