/**
 * The `language` filter: drops documents whose language fits badly (`lid_low_confidence`) or is
 * not allowed (`lid_not_allowed`). The language itself is identified once per document
 * (`text/language-id.ts`) when the chain starts, and recorded in its metadata.
 */
import type { LanguageParams } from './params.js';
import { FRACTION, type StepDefinition } from './types.js';

export const language: StepDefinition<LanguageParams> = {
  name: 'language',
  kind: 'filter',
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
