/**
 * Language identification with franc's trigram models (franc 6, 419 languages; its `data.js`),
 * scored with franc's own distance, so the top language is the one franc picks. franc's scores
 * are relative (the best is always 1), which cannot tell English from gibberish; the confidence
 * here is absolute: 1 − distance / (300 × trigrams), the share of the text's trigram profile
 * that the best language's model accounts for (1 = identical ranks, 0 = no trigram in common).
 * An inverted index (trigram → languages) makes scoring one pass over the text's trigrams; that
 * pass runs in WebAssembly (`kernels/lid.ts`), in JavaScript where WebAssembly is missing.
 *
 * Text shorter than `minLength` characters, or with no letters, is `und` (unknown), not guessed.
 * Shared by ingest (the language of a page's stop words) and the `language` filter.
 */
import { data } from 'franc/data.js';
import { expressions } from 'franc/expressions.js';
import { IntCounter } from './int-counter.js';
import { isSpaceAt } from './spaces.js';
import { type LidKernel, lidKernel, type TrigramModel } from '../kernels/lid.js';

const MAX_DIFFERENCE = 300;

interface ScriptModel {
  /** Its index in the WebAssembly kernel's models. */
  id: number;
  languages: string[];
  /** trigram key → [language index, rank, language index, rank, …]: an open-addressing table (key + 1, 0 = empty) into `pairs` */
  keys: Int32Array;
  from: Int32Array;
  to: Int32Array;
  pairs: Int32Array;
  mask: number;
}

/** Where a key's (language, rank) pairs are in `m.pairs`, or -1. */
function lookup(m: ScriptModel, key: number): number {
  for (let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & m.mask; ; slot = (slot + 1) & m.mask) {
    const k = m.keys[slot]!;
    if (k === key + 1) return slot;
    if (k === 0) return -1;
  }
}

/**
 * A 30-bit key for three UTF-16 code units (a small integer, so Map lookups stay fast and no
 * substring is allocated). Two trigrams sharing a key would pool their counts: with about a
 * thousand trigrams per document among 2^30 keys that is negligible.
 */
function triKey(a: number, b: number, c: number): number {
  return (Math.imul(Math.imul(a, 0x9e3779b1) + b, 0x85ebca6b) + c * 0x2c1b3c6d) & 0x3fffffff;
}

let models: Map<string, ScriptModel> | undefined;
/** The scoring loop in WebAssembly, with every script's model (`ScriptModel.id` indexes them). */
let kernel: LidKernel | undefined;

function buildModels(): Map<string, ScriptModel> {
  const out = new Map<string, ScriptModel>();
  const forKernel: TrigramModel[] = [];
  for (const [script, langs] of Object.entries(data as Record<string, Record<string, string>>)) {
    const languages = Object.keys(langs);
    const lists = new Map<number, number[]>();
    languages.forEach((lang, li) => {
      langs[lang]!.split('|').forEach((trigram, rank) => {
        const key = triKey(trigram.charCodeAt(0), trigram.charCodeAt(1), trigram.charCodeAt(2));
        let list = lists.get(key);
        if (!list) lists.set(key, (list = []));
        list.push(li, rank);
      });
    });
    let cap = 16;
    while (cap < lists.size * 2) cap *= 2;
    const model: ScriptModel = {
      id: forKernel.length,
      languages,
      keys: new Int32Array(cap),
      from: new Int32Array(cap),
      to: new Int32Array(cap),
      pairs: new Int32Array([...lists.values()].reduce((a, v) => a + v.length, 0)),
      mask: cap - 1,
    };
    const trigrams: TrigramModel = { languages, keys: [], from: [], to: [], pairs: model.pairs };
    let at = 0;
    for (const [k, v] of lists) {
      let slot = (Math.imul(k, 0x9e3779b1) >>> 0) & model.mask;
      while (model.keys[slot] !== 0) slot = (slot + 1) & model.mask;
      model.keys[slot] = k + 1;
      model.from[slot] = at;
      model.pairs.set(v, at);
      trigrams.keys.push(k);
      trigrams.from.push(at);
      at += v.length;
      model.to[slot] = at;
      trigrams.to.push(at);
    }
    out.set(script, model);
    forKernel.push(trigrams);
  }
  kernel = lidKernel(forKernel);
  return out;
}

/** Every language code franc knows (for config validation). */
export function knownLanguages(): Set<string> {
  const all = new Set<string>(['und']);
  for (const [script, langs] of Object.entries(data as Record<string, Record<string, string>>)) {
    for (const l of Object.keys(langs)) all.add(l);
    if (!/^[A-Z]/.test(script)) all.add(script);
  }
  for (const script of Object.keys(expressions)) if (!/^[A-Z]/.test(script)) all.add(script);
  return all;
}

export interface Identified {
  language: string;
  /** Absolute fit of the best language, 0–1 (0 for `und`). */
  confidence: number;
}

/** Trigram counts of the current sample (keys stored + 1, so none is 0), reused per call. */
const tri = new IntCounter();

const NON_ASCII = /[^\x00-\x7f]/;

/** Counts the trigrams of the text into `tri`, cleaned as franc cleans it (digits and ASCII punctuation to spaces, lower case, padded). */
function countTrigrams(text: string, ascii = true): void {
  if (ascii && !NON_ASCII.test(text)) {
    countAsciiTrigrams(text);
    return;
  }
  const clean = ` ${text
    .replace(/[\u0021-\u0040]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()} `;
  tri.reset(Math.max(0, clean.length - 2));
  for (let i = 0; i + 3 <= clean.length; i++)
    tri.add(triKey(clean.charCodeAt(i), clean.charCodeAt(i + 1), clean.charCodeAt(i + 2)) + 1, i);
}

/**
 * `countTrigrams` for ASCII text without building the cleaned string: the padded stream
 * " word word … word " (runs of white space, digits and punctuation → one space, ends trimmed,
 * lower case) is generated character by character and each trigram counted as it completes.
 */
function countAsciiTrigrams(text: string): void {
  tri.reset(text.length);
  let n = 1; // characters emitted; the first is the leading pad space
  let p1 = 0;
  let p2 = 32;
  let gap = false; // separators seen since the last word character
  for (let i = 0; i <= text.length; i++) {
    let c = i < text.length ? text.charCodeAt(i) : -1;
    if (c >= 0 && ((c >= 0x21 && c <= 0x40) || c === 32 || (c >= 9 && c <= 13))) {
      gap = n > 1;
      continue;
    }
    // a word character (or the end, which emits the trailing pad space)
    if (gap || c < 0) {
      if (n >= 2) tri.add(triKey(p1, p2, 32) + 1, n - 2);
      p1 = p2;
      p2 = 32;
      n++;
      gap = false;
      if (c < 0) break;
    }
    if (c >= 65 && c <= 90) c += 32;
    if (n >= 2) tri.add(triKey(p1, p2, c) + 1, n - 2);
    p1 = p2;
    p2 = c;
    n++;
  }
}

/** The trigram profile of a text as [key, count, first position] in first-seen order (for tests); `ascii: false` takes the string path. */
export function trigramProfile(text: string, ascii = true): Array<[number, number, number]> {
  countTrigrams(text, ascii);
  return Array.from({ length: tri.size }, (_, j) => {
    const slot = tri.slotAt(j);
    return [tri.keyAt(slot), tri.countAt(slot), tri.firstAt(slot)];
  });
}

/** `text.replace(/\s+/g, ' ').trim().length`, without making the string. */
export function collapsedLength(text: string): number {
  let length = 0;
  let gap = false;
  for (let i = 0; i < text.length; i++) {
    if (isSpaceAt(text, i)) gap = length > 0;
    else {
      if (gap) length++;
      gap = false;
      length++;
    }
  }
  return length;
}

/** The script with the most characters in `text` and their count (franc's expressions, first in their order on ties). */
export function topScript(text: string): [string | undefined, number] {
  // most text is mostly ASCII letters: then Latin has the most matches, whatever the rest is
  let ascii = 0;
  let other = 0; // code units beyond ASCII
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) other++;
    else if ((c | 0x20) >= 97 && (c | 0x20) <= 122) ascii++;
  }
  if (ascii * 2 > text.length) return ['Latin', ascii];
  // in ASCII text only Latin's expression matches anything (its letters): no need to run the others
  if (other === 0) return ascii > 0 ? ['Latin', ascii] : [undefined, 0];
  let best: string | undefined;
  let bestCount = 0;
  for (const [script, re] of Object.entries(expressions as Record<string, RegExp>)) {
    const count = text.match(re)?.length ?? 0;
    if (count > bestCount) {
      best = script;
      bestCount = count;
    }
  }
  return [best, bestCount];
}

let trigramKeys = new Int32Array(1024);
let trigramCounts = new Int32Array(1024);

/** Credit per language of `model` for the counted trigrams: Σ over shared trigrams of 300 − |count − rank − 1|. */
function credits(model: ScriptModel, wasm: boolean): ArrayLike<number> {
  const n = tri.size;
  if (kernel && wasm) {
    if (trigramKeys.length < n) {
      trigramKeys = new Int32Array(2 * n);
      trigramCounts = new Int32Array(2 * n);
    }
    for (let j = 0; j < n; j++) {
      const slot = tri.slotAt(j);
      trigramKeys[j] = tri.keyAt(slot) - 1;
      trigramCounts[j] = tri.countAt(slot);
    }
    return kernel.credit(model.id, trigramKeys, trigramCounts, n);
  }
  const credit = new Float64Array(model.languages.length);
  const pairs = model.pairs;
  for (let j = 0; j < n; j++) {
    const slot = tri.slotAt(j);
    const at = lookup(model, tri.keyAt(slot) - 1);
    if (at < 0) continue;
    const c = tri.countAt(slot);
    for (let k = model.from[at]!; k < model.to[at]!; k += 2)
      credit[pairs[k]!]! += MAX_DIFFERENCE - Math.abs(c - pairs[k + 1]! - 1);
  }
  return credit;
}

/** Identifies the language of `text` from its first `sampleChars` characters (`wasm: false` scores in JavaScript). */
export function identify(text: string, opts: { minLength: number; sampleChars: number; wasm?: boolean }): Identified {
  const sample = text.slice(0, opts.sampleChars);
  if (collapsedLength(sample) < opts.minLength) return { language: 'und', confidence: 0 };
  const [script, count] = topScript(sample);
  if (!script || count === 0) return { language: 'und', confidence: 0 };
  models ??= buildModels();
  const model = models.get(script);
  // a script with one language (Thai, Greek, Korean…): the script decides; confidence is its share of letters
  if (!model)
    return {
      language: script,
      confidence: Math.min(1, count / Math.max(1, sample.replace(/[\s\p{P}\p{N}]/gu, '').length)),
    };
  countTrigrams(sample);
  const n = tri.size;
  if (n === 0) return { language: 'und', confidence: 0 };
  // distance = 300·n − Σ over shared trigrams of (300 − |count − rank − 1|), franc's measure
  const credit = credits(model, opts.wasm !== false);
  let best = 0;
  for (let i = 1; i < credit.length; i++) if (credit[i]! > credit[best]!) best = i;
  return { language: model.languages[best]!, confidence: credit[best]! / (MAX_DIFFERENCE * n) };
}
