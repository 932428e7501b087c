/**
 * The `language` filter: drops documents whose language fits badly (`lid_low_confidence`) or is
 * not allowed (`lid_not_allowed`). The language itself is identified once per document
 * (`text/language-id.ts`) when the chain starts, and recorded in its metadata.
 */
import { z } from 'zod';
import { FRACTION, type StepDefinition } from './types.js';

const params = z.strictObject({
  /**
   * Documents whose best language fits worse than this are dropped (`lid_low_confidence`).
   * Measured: 9,267 English documentation pages have p1 0.174, p50 0.239; keyboard-mash
   * gibberish 0.06; base64 0.05; code and link menus 0.13–0.16 (left to the other filters).
   */
  minConfidence: z.number().min(0).max(1).default(0.1),
  /** Below this many characters the language is `und` and this filter does not judge. */
  minLength: z.number().int().min(0).default(50),
  /** Characters examined from the start (franc examines 2048; 1024 halves the cost). */
  sampleChars: z.number().int().min(10).default(1024),
  /** If not empty, only these languages are kept (`lid_not_allowed`). */
  allow: z.array(z.string()).default([]),
});

export type LanguageParams = z.infer<typeof params>;

export const language: StepDefinition<typeof params> = {
  name: 'language',
  kind: 'filter',
  params,
  metrics: { confidence: FRACTION },
  create(p) {
    const allow = new Set(p.allow);
    return {
      kind: 'filter',
      name: 'language',
      keep(doc, _view, measure) {
        const lang = String(doc.metadata.language ?? 'und');
        const confidence = Number(doc.metadata.language_score ?? 0);
        if (lang === 'und') return true;
        measure('confidence', confidence);
        if (confidence < p.minConfidence) return { reason: 'lid_low_confidence', value: confidence };
        if (allow.size > 0 && !allow.has(lang)) return { reason: 'lid_not_allowed', value: confidence };
        return true;
      },
    };
  },
};
