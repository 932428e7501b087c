/**
 * Every filter and transform by name, the default chain of each source, and the built-in
 * per-language parameter defaults that sit under the user's config.
 */
import type { Source } from '../core/doc.js';
import { arxiv } from './arxiv.js';
import { c4, c4Lines } from './c4.js';
import { code } from './code.js';
import { fineweb } from './fineweb.js';
import { gopherQuality } from './gopher-quality.js';
import { gopherRepetition } from './gopher-repetition.js';
import { language } from './language.js';
import { classifier, perplexity } from './model-filters.js';
import { normalize, pii } from './transforms.js';
import type { StepDefinition } from './types.js';

export const STEPS: Record<string, StepDefinition> = Object.fromEntries(
  [
    language,
    gopherRepetition,
    gopherQuality,
    c4Lines,
    c4,
    fineweb,
    code,
    arxiv,
    perplexity,
    classifier,
    normalize,
    pii,
  ].map((s) => [s.name, s as StepDefinition]),
);

/**
 * The FineWeb recipe for web text (language ID, Gopher repetition, Gopher quality, C4 without
 * the terminal-punctuation line rule, FineWeb rules); BigCode's rules for code; length and
 * markup rules for arXiv. Model filters join the web chain when their model is configured.
 */
export const DEFAULT_CHAINS: Record<Source, string[]> = {
  web: ['language', 'gopher-repetition', 'gopher-quality', 'c4-lines', 'c4', 'fineweb'],
  code: ['code'],
  arxiv: ['language', 'arxiv'],
};
