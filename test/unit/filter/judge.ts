import type { Doc } from '../../../src/core/doc.js';
import { paramsSchema } from '../../../src/filter/params.js';
import { TextView } from '../../../src/filter/view.js';
import { type Dialect, type Drop, type Filter, MOE_DIALECT, type StepDefinition } from '../../../src/filter/types.js';

export interface Judged {
  result: true | Drop;
  measures: Record<string, number>;
}

/** Runs one filter definition on a text with default (or given) parameters. */
export function judge(
  def: StepDefinition,
  text: string,
  opts: {
    params?: Record<string, unknown>;
    lang?: string;
    metadata?: Doc['metadata'];
    source?: Doc['source'];
    dialect?: Dialect;
  } = {},
): Judged {
  const lang = opts.lang ?? 'eng';
  const step = def.create(paramsSchema(def.name).parse(opts.params ?? {}), {
    language: lang,
    models: {},
    learned: {},
    dialect: opts.dialect ?? MOE_DIALECT,
  }) as Filter;
  const measures: Record<string, number> = {};
  const doc: Doc = { id: 't', text, source: opts.source ?? 'web', metadata: { language: lang, ...opts.metadata } };
  const result = step.keep(doc, new TextView(text, lang), (m, v) => (measures[m] = v));
  return { result, measures };
}

/** Distinct filler words ("lorem" is avoided: C4 drops it) of exactly `len` letters each. */
export function filler(n: number, len = 5, start = 0): string[] {
  const out: string[] = [];
  for (let i = start; i < start + n; i++) {
    let s = '';
    let k = i;
    for (let j = 0; j < len; j++) {
      s += String.fromCharCode(97 + (k % 26));
      k = Math.floor(k / 26);
    }
    out.push(s);
  }
  return out;
}

/** A deterministic text of `length` or more code units, pieces drawn from `alphabet` (a linear congruential generator from `seed`). */
export function seededText(seed: number, length: number, alphabet: readonly string[]): string {
  let s = seed;
  let text = '';
  while (text.length < length) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    text += alphabet[(s >>> 16) % alphabet.length];
  }
  return text;
}
