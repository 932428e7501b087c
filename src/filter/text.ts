/**
 * Text analysis shared by the filters, computed once per document and language (`TextView`).
 * Words are whitespace-separated tokens with surrounding punctuation stripped; a token that is
 * only punctuation is a "symbol" token. In scripts written without spaces (Chinese, Japanese,
 * Thai, Lao, Khmer, Burmese) each character of that script counts as a word, so word-based rules
 * measure such text instead of seeing one giant "word".
 */

/** Languages written without spaces between words (ISO 639-3, as franc reports them). */
export const UNSPACED_LANGUAGES = new Set(['cmn', 'jpn', 'tha', 'lao', 'khm', 'mya', 'bod', 'yue', 'wuu', 'nan', 'hak']);

const UNSPACED_CHAR = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const UNSPACED_RUN = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu;
const EDGE_PUNCT = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** Terminal punctuation of a line or sentence, across scripts (Latin, CJK, Devanagari, Arabic…). */
export const TERMINAL_PUNCT = new Set(['.', '!', '?', '"', "'", '…', '。', '！', '？', '｡', '।', '॥', '؟', '۔', '」', '』', '”', '’', '»', ')']);

export interface Tokens {
  /** Every token, symbols included. */
  all: string[];
  /** Tokens with at least one letter or digit, with edge punctuation stripped. */
  words: string[];
}

/** Splits text into tokens; `unspaced` splits runs of space-less scripts into characters. */
export function tokenize(text: string, unspaced: boolean): Tokens {
  const all: string[] = [];
  const words: string[] = [];
  for (const raw of text.split(/\s+/)) {
    if (!raw) continue;
    if (unspaced && UNSPACED_CHAR.test(raw)) {
      // each character of the space-less script is a word; other runs stay whole
      let rest = '';
      for (const ch of raw) {
        if (UNSPACED_CHAR.test(ch)) {
          if (rest) pushToken(rest, all, words);
          rest = '';
          all.push(ch);
          words.push(ch);
        } else rest += ch;
      }
      if (rest) pushToken(rest, all, words);
      continue;
    }
    pushToken(raw, all, words);
  }
  return { all, words };
}

function pushToken(raw: string, all: string[], words: string[]): void {
  all.push(raw);
  const w = raw.replace(EDGE_PUNCT, '');
  if (w) words.push(w);
}

/** Lazily computed views of one document's text, shared by every filter in a chain. */
export class TextView {
  private _tokens?: Tokens;
  private _lines?: string[];
  private _paragraphs?: string[];
  readonly unspaced: boolean;

  constructor(
    readonly text: string,
    /** ISO 639-3 code, or `und`. */
    readonly language: string,
  ) {
    this.unspaced = UNSPACED_LANGUAGES.has(language) || (language === 'und' && (text.match(UNSPACED_RUN)?.length ?? 0) > text.length / 4);
  }

  get tokens(): Tokens {
    return (this._tokens ??= tokenize(this.text, this.unspaced));
  }

  /** Non-empty lines, trimmed. */
  get lines(): string[] {
    return (this._lines ??= this.text.split('\n').map((l) => l.trim()).filter(Boolean));
  }

  /** Paragraphs: blocks separated by blank lines, trimmed, non-empty. */
  get paragraphs(): string[] {
    return (this._paragraphs ??= this.text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean));
  }
}

/** Counts, and characters, of items that repeat an earlier item (the first occurrence is not counted). */
export function duplicates(items: string[]): { count: number; chars: number } {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const it of items) {
    if (seen.has(it)) {
      count += 1;
      chars += it.length;
    } else seen.add(it);
  }
  return { count, chars };
}

export function endsWithTerminalPunct(line: string): boolean {
  const t = line.trimEnd();
  return t.length > 0 && TERMINAL_PUNCT.has(t[t.length - 1]!);
}
