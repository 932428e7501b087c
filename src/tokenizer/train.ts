/**
 * Byte-level BPE training as the Hugging Face `tokenizers` trainer does it: pre-tokenize the
 * corpus and count each distinct word once; start from the 256 byte symbols; keep the count of
 * every adjacent symbol pair and the words it occurs in; repeatedly merge the most frequent pair
 * (ties: the smaller pair of ids, so the result is deterministic), updating only the counts of the
 * words that contained it, with a priority queue whose stale entries are re-queued on pop.
 *
 * Pre-tokenization patterns: `gpt2` (GPT-2's regex), `llama3` (Llama 3 / cl100k: up to three
 * digits per piece, case-insensitive contractions), `deepseek` (DeepSeek-V3's sequence: digit
 * groups of up to three, runs of CJK, then a Llama-style split).
 */
import { BYTE_TO_CHAR } from './byte-level.js';
import { Heap } from './heap.js';
import { BpeTokenizer, GPT2_PATTERN, type TokenizerJson } from './bpe.js';

export type PatternName = 'gpt2' | 'llama3' | 'deepseek';

const LLAMA3 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const DEEPSEEK = [
  '\\p{N}{1,3}',
  '[一-龥぀-ゟ゠-ヿ]+',
  '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+',
];

/** The `pre_tokenizer` section of tokenizer.json for a pattern family. */
export function preTokenizerJson(pattern: PatternName): TokenizerJson['pre_tokenizer'] {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: pattern === 'gpt2' };
  if (pattern === 'gpt2') return byteLevel;
  const splits = (pattern === 'llama3' ? [LLAMA3] : DEEPSEEK).map((r) => ({
    type: 'Split',
    pattern: { Regex: r },
    behavior: 'Isolated',
    invert: false,
  }));
  return { type: 'Sequence', pretokenizers: [...splits, byteLevel] };
}

export interface TrainOptions {
  vocabSize: number;
  pattern: PatternName;
  specialTokens: string[];
  minFrequency: number;
}

/** Max-heap of [count, a, b] by count, then smaller a, then smaller b. */
type PairItem = [number, number, number];
/** The most frequent pair first; ties by the smaller ids. */
const pairBefore = (x: PairItem, y: PairItem): boolean =>
  x[0] !== y[0] ? x[0] > y[0] : x[1] !== y[1] ? x[1] < y[1] : x[2] < y[2];

const KEY = 1 << 21; // ids stay below 2^21, so a pair is one exact number
const pairKey = (a: number, b: number): number => a * KEY + b;

/** Counts the pre-tokenized words of the corpus (byte-level strings → occurrences). */
export async function countWords(
  texts: AsyncIterable<string>,
  pattern: PatternName,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<{ words: Map<string, number>; bytes: number }> {
  const splitter = new BpeTokenizer({
    model: { vocab: Object.fromEntries(BYTE_TO_CHAR.map((c, i) => [c, i])), merges: [] },
    pre_tokenizer: preTokenizerJson(pattern),
  });
  const words = new Map<string, number>();
  let bytes = 0;
  for await (const text of texts) {
    for (const w of splitter.pieces(text)) words.set(w, (words.get(w) ?? 0) + 1);
    bytes += Buffer.byteLength(text);
    if (bytes >= maxBytes) break;
  }
  return { words, bytes };
}

/** Trains merges on counted words; returns a tokenizer.json object. */
export function trainBpe(wordCounts: Map<string, number>, opts: TrainOptions): TokenizerJson {
  const specials = opts.specialTokens;
  const vocab: string[] = [...specials, ...BYTE_TO_CHAR];
  const idOf = new Map<string, number>(vocab.map((t, i) => [t, i]));
  if (opts.vocabSize < vocab.length)
    throw new Error(`vocabulary size ${opts.vocabSize} is below the ${vocab.length} special and byte tokens`);
  // words as arrays of symbol ids, in a deterministic order
  const entries = [...wordCounts].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const words: number[][] = entries.map(([w]) => Array.from(w, (c) => idOf.get(c)!));
  const counts = entries.map(([, n]) => n);
  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: number): void => {
    const w = words[wi]!;
    for (let i = 0; i + 1 < w.length; i++) {
      const k = pairKey(w[i]!, w[i + 1]!);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * counts[wi]!);
      if (sign > 0) {
        let s = where.get(k);
        if (!s) where.set(k, (s = new Set()));
        s.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);
  const heap = new Heap<PairItem>(pairBefore);
  for (const [k, c] of pairCount) heap.push([c, Math.floor(k / KEY), k % KEY]);
  const merges: Array<[string, string]> = [];
  while (vocab.length < opts.vocabSize) {
    const top = heap.pop();
    if (!top) break;
    const [c, a, b] = top;
    const k = pairKey(a, b);
    const current = pairCount.get(k) ?? 0;
    if (current !== c) {
      if (current > 0) heap.push([current, a, b]);
      continue;
    }
    if (c < opts.minFrequency || c <= 0) break;
    const merged = vocab[a]! + vocab[b]!;
    const id = vocab.length;
    vocab.push(merged);
    idOf.set(merged, id);
    merges.push([vocab[a]!, vocab[b]!]);
    // re-count only the words that held the pair; new pairs go into the queue
    const touched = [...(where.get(k) ?? [])].sort((x, y) => x - y);
    const before = new Map<number, number>();
    for (const wi of touched) {
      const w = words[wi]!;
      for (let i = 0; i + 1 < w.length; i++) {
        const pk = pairKey(w[i]!, w[i + 1]!);
        if (!before.has(pk)) before.set(pk, pairCount.get(pk) ?? 0);
      }
      addPairs(wi, -1);
      const out: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(w[i]!);
      }
      words[wi] = out;
      addPairs(wi, 1);
    }
    where.delete(k);
    pairCount.delete(k);
    const changed = new Set<number>();
    for (const wi of touched) {
      const w = words[wi]!;
      for (let i = 0; i + 1 < w.length; i++) changed.add(pairKey(w[i]!, w[i + 1]!));
    }
    for (const pk of changed) {
      const n = pairCount.get(pk) ?? 0;
      if (n > 0 && n !== before.get(pk)) heap.push([n, Math.floor(pk / KEY), pk % KEY]);
    }
  }
  return tokenizerJson(vocab, merges, specials, opts.pattern);
}

/** The tokenizer.json of a trained byte-level BPE: its special tokens, vocabulary and merges. */
function tokenizerJson(
  vocab: string[],
  merges: Array<[string, string]>,
  specials: string[],
  pattern: TrainOptions['pattern'],
): TokenizerJson {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: preTokenizerJson(pattern),
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      merges: merges.map(([x, y]) => `${x} ${y}`),
    },
  } as TokenizerJson;
}

export { GPT2_PATTERN };
