/**
 * Decontamination (GPT-3, Brown et al. 2020 App. C; Dolma): a training document that shares a
 * word 13-gram with any item of an evaluation set is dropped. Text is normalised as for dedup;
 * 13-grams are keyed by a 53-bit hash of their word hashes, so a false match needs a 53-bit
 * collision (about 1e-10 per lookup against a million evaluation 13-grams). An item shorter than
 * n words counts as one n-gram of all its words, as GPT-3 did.
 */
import { UserError } from '../core/errors.js';
import { gramKey } from '../text/hash.js';
import { readTexts } from '../io/texts.js';
import { unitHashes } from './minhash.js';

/** 53-bit keys of the word n-grams of a text (one key for a text shorter than n words). */
export function ngramKeys(text: string, n: number): number[] {
  const h = unitHashes(text);
  if (h.length === 0) return [];
  if (h.length < n) return [gramKey(h, 0, h.length)];
  const keys: number[] = [];
  for (let i = 0; i + n <= h.length; i++) keys.push(gramKey(h, i, n));
  return keys;
}

export interface EvalSet {
  name: string;
  items: number;
  keys: Float64Array;
}

/** Loads evaluation items (JSONL with a `text` field, or every string field of each item joined). */
export async function loadEvalSet(path: string, n: number): Promise<EvalSet> {
  const keys = new Set<number>();
  let items = 0;
  for await (const text of readTexts(path, Number.POSITIVE_INFINITY, { allStringFields: true })) {
    items += 1;
    for (const k of ngramKeys(text, n)) keys.add(k);
  }
  if (items === 0)
    throw new UserError(
      `no evaluation items in ${path}`,
      'pass JSONL files of benchmark items (a "text" field, or any string fields)',
    );
  return {
    name: path
      .split('/')
      .pop()!
      .replace(/\.(jsonl|json|txt)(\.gz|\.zst)?$/i, ''),
    items,
    keys: Float64Array.from(keys),
  };
}

/** The index of the first evaluation set the text shares an n-gram with, or -1. */
export class Contamination {
  private readonly sets: Array<Set<number>>;

  constructor(
    evals: EvalSet[],
    private readonly n: number,
  ) {
    this.sets = evals.map((e) => new Set(e.keys));
  }

  check(text: string): number {
    if (this.sets.length === 0) return -1;
    for (const k of ngramKeys(text, this.n)) {
      for (let s = 0; s < this.sets.length; s++) if (this.sets[s]!.has(k)) return s;
    }
    return -1;
  }
}
