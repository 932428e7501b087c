/**
 * The `filter` section of a config. Parameters are given per source, and per language within a
 * source; every key is checked against the step's own schema, so an unknown filter, an unknown
 * parameter, a value out of range or an unknown language code is an error naming its key.
 *
 * ```yaml
 * filter:
 *   transforms: { normalize: false, pii: false }
 *   models: { perplexity: lm.bin }            # paths relative to the config file
 *   web:
 *     chain: [language, gopher-repetition, gopher-quality, c4-lines, c4, fineweb, perplexity]
 *     params:
 *       gopher-quality: { minWords: 30 }
 *       perplexity: { dropWorstFraction: 0.3, languages: [eng] }
 *     languages:
 *       deu: { gopher-quality: { maxAvgWordLength: 12 } }
 *   code:
 *     languages:
 *       Python: { code: { maxMeanLineLength: 120 } }
 * ```
 */
import { z } from 'zod';
import { MAX_DOC_BYTES } from '../io/jsonl.js';
import { KNOWN_LANGUAGES } from '../ingest/languages.js';
import { knownLanguages } from '../text/language-id.js';
import { paramsSchema } from '../filter/params.js';
import { STEPS } from '../filter/registry.js';

const StepParams = z.record(z.string(), z.record(z.string(), z.unknown()));

const SourceFilterSchema = z.strictObject({
  /** Step names in order; the source's default chain when absent. */
  chain: z.array(z.string()).optional(),
  params: StepParams.default({}),
  languages: z.record(z.string(), StepParams).default({}),
});

export const FilterSchema = z
  .strictObject({
    /** Also write rejected documents (with `metadata.filter`) under `rejected/`. */
    keepRejected: z.boolean().default(false),
    /**
     * `moe`: the rules with the departures that avoid over-filtering clean text (whitespace words,
     * a top n-gram seen once counts 0, per-language stop words, space-less scripts counted by
     * character; README "Two settings").
     * `datatrove`: every rule computes what datatrove computes (spaCy's English words).
     */
    compat: z.enum(['moe', 'datatrove']).default('moe'),
    /** Write each filter's verdict and measured values on every output document (`metadata.filters`). */
    annotate: z.boolean().default(false),
    /** Longest document line read from --in (bytes): a longer one is skipped while it streams, counted and reported. */
    maxDocBytes: z.number().int().positive().default(MAX_DOC_BYTES),
    transforms: z.strictObject({ normalize: z.boolean().default(false), pii: z.boolean().default(false) }).prefault({}),
    /** Model files by step name (`perplexity`, `classifier`), relative to the config file. */
    models: z.strictObject({ perplexity: z.string().optional(), classifier: z.string().optional() }).prefault({}),
    web: SourceFilterSchema.prefault({}),
    code: SourceFilterSchema.prefault({}),
    arxiv: SourceFilterSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const natural = knownLanguages();
    for (const source of ['web', 'code', 'arxiv'] as const) {
      const s = cfg[source];
      const checkStep = (name: string, path: PropertyKey[]): boolean => {
        if (STEPS[name]) return true;
        ctx.addIssue({
          code: 'custom',
          path,
          message: `unknown filter "${name}" (known: ${Object.keys(STEPS).join(', ')})`,
        });
        return false;
      };
      for (const [i, name] of (s.chain ?? []).entries()) checkStep(name, [source, 'chain', i]);
      const checkParams = (params: Record<string, Record<string, unknown>>, base: PropertyKey[]): void => {
        for (const [name, value] of Object.entries(params)) {
          if (!checkStep(name, [...base, name])) continue;
          const r = paramsSchema(name).partial().safeParse(value);
          if (r.success) {
            // language lists (`allow`, `languages`) must name languages franc knows
            for (const key of ['allow', 'languages']) {
              const list = (value as Record<string, unknown>)[key];
              if (!Array.isArray(list)) continue;
              list.forEach((code, i) => {
                if (!natural.has(String(code)))
                  ctx.addIssue({
                    code: 'custom',
                    path: [...base, name, key, i],
                    message: `unknown language "${code}" (expected an ISO 639-3 code such as eng)`,
                  });
              });
            }
            continue;
          }
          for (const issue of r.error.issues) {
            if (issue.code === 'unrecognized_keys') {
              for (const k of issue.keys)
                ctx.addIssue({ code: 'custom', path: [...base, name, ...issue.path, k], message: 'unknown key' });
            } else ctx.addIssue({ code: 'custom', path: [...base, name, ...issue.path], message: issue.message });
          }
        }
      };
      checkParams(s.params, [source, 'params']);
      // a model filter named in a chain or given parameters does nothing without its model
      for (const model of ['perplexity', 'classifier'] as const) {
        if (cfg.models[model]) continue;
        const needs = (path: PropertyKey[]): void =>
          ctx.addIssue({
            code: 'custom',
            path,
            message: `"${model}" needs a model: set filter.models.${model} to a file made by moe ${model === 'perplexity' ? 'lm' : 'classifier'} train`,
          });
        const at = s.chain?.indexOf(model) ?? -1;
        if (at >= 0) needs([source, 'chain', at]);
        if (s.params[model]) needs([source, 'params', model]);
        for (const [lang, params] of Object.entries(s.languages))
          if (params[model]) needs([source, 'languages', lang, model]);
      }
      for (const [lang, params] of Object.entries(s.languages)) {
        const known = source === 'code' ? KNOWN_LANGUAGES.has(lang) : natural.has(lang);
        if (!known) {
          const hint =
            source === 'code'
              ? 'a programming language name such as Python'
              : 'an ISO 639-3 code such as eng, deu, cmn';
          ctx.addIssue({
            code: 'custom',
            path: [source, 'languages', lang],
            message: `unknown language "${lang}" (expected ${hint})`,
          });
          continue;
        }
        checkParams(params, [source, 'languages', lang]);
      }
    }
  });

export type FilterConfig = z.infer<typeof FilterSchema>;
