/**
 * Runs a document through its chain: language identification first (web and
 * arXiv), then the chain for its source and language, built once per pair from
 * defaults < built-in language defaults < config `params` < config `languages.<lang>`.
 *
 * Every filter judges every document, even one an earlier filter dropped, so the report can say
 * what each filter costs: the documents it drops first (`dropped`, the reason recorded on the
 * document), every document it would drop (`would_drop`), and the ones no other filter would
 * have dropped (`alone`). Transforms rewrite the text seen by the steps after them.
 */
import type { FilterConfig } from '../config/filter-schema.js';
import type { Doc, Source } from '../core/doc.js';
import type { HistogramSpec, StageStats } from '../core/stats.js';
import { identify } from '../text/language-id.js';
import type { LanguageParams, ResolvedParams } from './params.js';
import { DEFAULT_CHAINS, STEPS } from './registry.js';
import { TextView } from './view.js';
import { type Dialect, dialectOf, type Drop, type Step, type StepContext, textOf } from './types.js';

export interface Verdict {
  /** The document as kept (transformed text, language in metadata) or as rejected (original text). */
  doc: Doc;
  /** The first drop, if any. */
  drop?: { name: string } & Drop;
}

export interface ChainOptions {
  config: FilterConfig;
  models: Record<string, unknown>;
  learned: Record<string, number>;
  /** The departures to apply, when not those of `config.compat` (scripts measure them one by one). */
  dialect?: Dialect;
  /** Every step's parameters: `resolveParams(config, dialect)` (`resolve.ts`), made on the main thread. */
  params: ResolvedParams;
}

/** The step names of a source's chain, with configured transforms and model filters added. */
export function chainNames(config: FilterConfig, source: Source): string[] {
  const s = config[source];
  // model filters join the web chain when their model is configured (add them to other chains by hand)
  let names = s.chain ?? [
    ...DEFAULT_CHAINS[source],
    ...(source === 'web' ? (['perplexity', 'classifier'] as const).filter((m) => config.models[m]) : []),
  ];
  const pre = [config.transforms.normalize && 'normalize', config.transforms.pii && 'pii'].filter(
    (x): x is string => typeof x === 'string',
  );
  names = [...pre.filter((t) => !names.includes(t)), ...names];
  return names;
}

/** A step's parameters for a source and language, from those the main thread resolved. */
export function paramsFor(params: ResolvedParams, source: Source, lang: string, name: string): unknown {
  const s = params[source];
  return (s.languages[lang] ?? s.default)[name];
}

/** A step with the stats keys it counts under, made once (not per document). */
interface ChainStep {
  step: Step;
  name: string;
  /** `transform.<name>.` or `filter.<name>.` */
  prefix: string;
  /** Metric → histogram key and bins. */
  histograms: Map<string, { key: string; spec: HistogramSpec }>;
}

export class Chains {
  private readonly cache = new Map<string, ChainStep[]>();

  /** The sources whose chains' steps have loaded what they need (`load`). */
  private readonly loaded = new Set<Source>();

  constructor(private readonly opts: ChainOptions) {}

  /** Loads what the steps of these sources' chains need (`StepDefinition.load`); `run` requires it. */
  async load(sources: Iterable<Source>): Promise<void> {
    for (const source of sources) {
      if (this.loaded.has(source)) continue;
      for (const name of chainNames(this.opts.config, source)) await STEPS[name]!.load?.();
      this.loaded.add(source);
    }
  }

  steps(source: Source, lang: string): Step[] {
    return this.chain(source, lang).map((c) => c.step);
  }

  private chain(source: Source, lang: string): ChainStep[] {
    const key = `${source}\u0000${lang}`;
    let steps = this.cache.get(key);
    if (!steps) {
      const dialect = this.opts.dialect ?? dialectOf(this.opts.config.compat);
      const ctx: StepContext = { language: lang, models: this.opts.models, learned: this.opts.learned, dialect };
      steps = chainNames(this.opts.config, source).map((name) => {
        const def = STEPS[name]!;
        const step = def.create(paramsFor(this.opts.params, source, lang, name), ctx);
        const histograms = new Map(
          Object.entries(def.metrics).map(([metric, spec]) => [metric, { key: `${name}.${metric}`, spec }]),
        );
        return { step, name, prefix: `${step.kind}.${name}.`, histograms };
      });
      this.cache.set(key, steps);
    }
    return steps;
  }

  /** The language step's parameters by source (parsed once, not per document). */
  private readonly languageParams = new Map<Source, LanguageParams>();

  /** Sets `metadata.language` / `language_score` on web and arXiv documents. */
  annotateLanguage(doc: Doc): string {
    if (doc.source === 'code') return String(doc.metadata.language ?? 'und');
    let p = this.languageParams.get(doc.source);
    if (!p) {
      p = paramsFor(this.opts.params, doc.source, 'und', 'language') as LanguageParams;
      this.languageParams.set(doc.source, p);
    }
    const { language, confidence } = identify(doc.text, p);
    doc.metadata.language = language;
    doc.metadata.language_score = Math.round(confidence * 1e4) / 1e4;
    return language;
  }

  /** Judges one document, counting into `stats`. */
  run(input: Doc, stats: StageStats): Verdict {
    if (!this.loaded.has(input.source)) throw new Error(`Chains.run: load(['${input.source}']) has not run`);
    const doc: Doc = { ...input, metadata: { ...input.metadata } };
    const lang = this.annotateLanguage(doc);
    const bytes = Buffer.byteLength(input.text);
    stats.count('docs_in');
    stats.count('bytes_in', bytes);
    stats.count(`docs_in.${doc.source}`);
    // the source and language mix before and after (moe report charts it)
    const mix = `${doc.source}.${lang}`;
    stats.count(`mix.docs_in.${mix}`);
    stats.count(`mix.bytes_in.${mix}`, bytes);
    let text = doc.text;
    let view = new TextView(text, lang);
    const fired: Array<{ name: string; prefix: string } & Drop> = [];
    // with filter.annotate: each filter's verdict and the values it measured (Dolma's attributes)
    const annotations: Record<string, Record<string, number | string | null>> | undefined = this.opts.config.annotate
      ? {}
      : undefined;
    for (const { step, name, prefix, histograms } of this.chain(doc.source, lang)) {
      if (step.kind === 'transform') {
        const r = step.apply(text, (k, n) => stats.count(prefix + k, n), view);
        const next = textOf(r);
        if (next !== text) view = new TextView((text = next), lang, typeof r === 'string' ? {} : r);
        else if (typeof r !== 'string' && r.c4) view.c4 = r.c4; // the same text: keep what is known of it
        continue;
      }
      const values: Record<string, number | string | null> | undefined = annotations ? { reason: null } : undefined;
      const r = step.keep({ ...doc, text }, view, (metric, value) => {
        const h = histograms.get(metric);
        if (h) stats.histogram(h.key, value, h.spec);
        if (values) values[metric] = value;
      });
      if (annotations) {
        if (r !== true) values!.reason = r.reason;
        annotations[name] = values!;
      }
      if (r !== true) {
        fired.push({ name, prefix, ...r });
        stats.count(`${prefix}would_drop`);
        stats.count(`${prefix}reason.${r.reason}.would_drop`);
      }
    }
    if (annotations) doc.metadata.filters = annotations;
    const first = fired[0];
    if (fired.length === 1) {
      stats.count(`${first!.prefix}alone`);
      stats.count(`${first!.prefix}reason.${first!.reason}.alone`);
    }
    if (first) {
      const { name, prefix, reason, value } = first;
      stats.count('docs_dropped');
      stats.count(`${prefix}dropped`);
      stats.count(`${prefix}dropped_bytes`, bytes);
      stats.count(`${prefix}reason.${reason}.dropped`);
      stats.count(`${prefix}reason.${reason}.dropped_bytes`, bytes);
      doc.metadata.filter = { name, reason, value };
      return { doc, drop: { name, reason, value } };
    }
    const kept = { ...doc, text };
    stats.count('docs_out');
    stats.count('bytes_out', Buffer.byteLength(text));
    stats.count(`docs_out.${doc.source}`);
    stats.count(`language.${lang}`);
    stats.count(`mix.docs_out.${mix}`);
    stats.count(`mix.bytes_out.${mix}`, Buffer.byteLength(text));
    return { doc: kept };
  }
}
