/**
 * Helpers to write a filter as a list of rules: each rule measures one metric and says whether
 * it fails; the filter reports every measurement and drops on the first failing rule.
 */
import type { Drop, Measure } from './types.js';

export interface Rule {
  metric: string;
  value: number;
  /** True when the document fails this rule. */
  fails: boolean;
  reason: string;
}

export function judge(rules: Rule[], measure: Measure): true | Drop {
  const seen = new Set<string>();
  let drop: Drop | undefined;
  for (const r of rules) {
    if (!seen.has(r.metric)) {
      seen.add(r.metric);
      measure(r.metric, r.value);
    }
    if (r.fails && !drop) drop = { reason: r.reason, value: r.value };
  }
  return drop ?? true;
}

/** `part / whole`, 0 when the whole is empty. */
export function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** Occurrences of a substring. */
export function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n += 1;
  return n;
}
