/**
 * The filter contract: a filter answers keep, or drop with a reason code and the
 * measured value; it never rewrites text. It reports every value it measures through `measure`,
 * so the runner can histogram each rule over all documents (kept ones too) for threshold tuning.
 * A transform rewrites text and is its own kind of step.
 */
import type { Doc } from '../core/doc.js';
import type { HistogramSpec } from '../core/stats.js';
import type { Rewritten, TextView } from './view.js';

export interface Drop {
  /** lower_snake reason code, e.g. `gopher_short_doc`. */
  reason: string;
  value: number;
}

/** Records a measured value under a metric name (the runner histograms it). */
export type Measure = (metric: string, value: number) => void;

export interface Filter {
  readonly kind: 'filter';
  /** kebab-case, the same in YAML, reports and code. */
  readonly name: string;
  keep(doc: Doc, view: TextView, measure: Measure): true | Drop;
}

export interface Transform {
  readonly kind: 'transform';
  readonly name: string;
  /**
   * Returns the new text (or it with what is known about it); `count(key, n = 1)` records what
   * it changed (e.g. lines removed by reason). `view`, when given, is the analysis of `text`.
   */
  apply(text: string, count: (key: string, n?: number) => void, view?: TextView): string | Rewritten;
}

export type Step = Filter | Transform;

/** The text of a transform's result. */
export function textOf(r: string | Rewritten): string {
  return typeof r === 'string' ? r : r.text;
}

/**
 * A step as registered: a factory for its parameters `P` (their schema, with the defaults, is
 * `STEP_PARAMS` in `params.ts`, which the main thread resolves and worker threads receive).
 */
export interface StepDefinition<P = unknown> {
  name: string;
  kind: 'filter' | 'transform';
  /** How each metric's histogram is binned. */
  metrics: Record<string, HistogramSpec>;
  create(params: P, ctx: StepContext): Step;
  /**
   * Loads what the step's rules need that is slow to load (a parser and its tables), before a
   * chain holding the step judges its first document (`Chains.load`): a run that never meets the
   * step's source never pays for it.
   */
  load?(): Promise<void>;
}

/** What a step may need beyond its parameters. */
export interface StepContext {
  /** The document language the chain is built for (ISO 639-3, a code language, or `und`). */
  language: string;
  /** Models loaded by path from the config (n-gram LM, classifier), by step name. */
  models: Record<string, unknown>;
  /** Thresholds learned on a sample before the run (by step name). */
  learned: Record<string, number>;
  /** How the rules count: datatrove's way, or with moe's departures (`filter.compat`). */
  dialect: Dialect;
}

/**
 * moe's departures from datatrove, one switch each (README "Two settings"); `filter.compat`
 * turns all of them on (`moe`) or off (`datatrove`). Nothing else differs between the two.
 */
export interface Dialect {
  /** Words are whitespace-separated (the Gopher paper), not spaCy's tokens with punctuation split off. */
  whitespaceWords: boolean;
  /** A top n-gram that occurs once is no repetition: it counts 0 (datatrove charges it). */
  singletonNgramsZero: boolean;
  /** Stop words from the document language's list, counted as lower-cased occurrences (datatrove: English, distinct, as written). */
  languageStopWords: boolean;
  /** Built-in per-language parameters (space-less scripts: a word is a character). */
  languageDefaults: boolean;
}

export const MOE_DIALECT: Dialect = {
  whitespaceWords: true,
  singletonNgramsZero: true,
  languageStopWords: true,
  languageDefaults: true,
};
export const DATATROVE_DIALECT: Dialect = {
  whitespaceWords: false,
  singletonNgramsZero: false,
  languageStopWords: false,
  languageDefaults: false,
};

export function dialectOf(compat: 'moe' | 'datatrove'): Dialect {
  return compat === 'datatrove' ? DATATROVE_DIALECT : MOE_DIALECT;
}

export const FRACTION: HistogramSpec = { kind: 'linear', lo: 0, hi: 1, bins: 20 };
export const COUNT: HistogramSpec = { kind: 'log2', maxExp: 20 };
