/**
 * The stop-word list of a page's language, for jusText's stop-word density: stopwords-iso (58
 * languages, a maintained data package) rather than lists typed by hand. The language comes from
 * the page's `lang` attribute, else from its text (franc's models, as the `language` filter runs them).
 * Scripts written without spaces (Chinese, Japanese, Thai, …) and languages without a list get no
 * list: the classifier then uses its language-independent thresholds.
 */
import { createRequire } from 'node:module';
import { identify } from '../../text/language-id.js';
import { stopDensity } from '../../text/html/blocks.js';

const lists = createRequire(import.meta.url)('stopwords-iso') as Record<string, string[]>;

/** ISO 639-1 key of stopwords-iso → the ISO 639-3 codes franc reports for it. */
const FRANC_CODES: Record<string, string[]> = {
  af: ['afr'],
  ar: ['arb', 'ara'],
  hy: ['hye'],
  eu: ['eus'],
  bn: ['ben'],
  br: ['bre'],
  bg: ['bul'],
  ca: ['cat'],
  hr: ['hrv', 'bos', 'srp'],
  cs: ['ces'],
  da: ['dan'],
  nl: ['nld'],
  en: ['eng'],
  eo: ['epo'],
  et: ['ekk', 'est'],
  fi: ['fin'],
  fr: ['fra'],
  gl: ['glg'],
  de: ['deu'],
  el: ['ell'],
  gu: ['guj'],
  ha: ['hau'],
  he: ['heb'],
  hi: ['hin'],
  hu: ['hun'],
  id: ['ind'],
  ga: ['gle'],
  it: ['ita'],
  ko: ['kor'],
  ku: ['kmr', 'ckb'],
  la: ['lat'],
  lt: ['lit'],
  lv: ['lvs', 'lav'],
  ms: ['zlm', 'zsm', 'msa'],
  mr: ['mar'],
  no: ['nob', 'nno'],
  fa: ['pes', 'fas', 'prs'],
  pl: ['pol'],
  pt: ['por'],
  ro: ['ron'],
  ru: ['rus'],
  sk: ['slk'],
  sl: ['slv'],
  so: ['som'],
  st: ['sot'],
  es: ['spa'],
  sw: ['swh', 'swa'],
  sv: ['swe'],
  tl: ['tgl'],
  tr: ['tur'],
  uk: ['ukr'],
  ur: ['urd'],
  vi: ['vie'],
  yo: ['yor'],
  zu: ['zul'],
};
/** Languages written without spaces between words: no whitespace stop-word density for them. */
const UNSPACED = new Set(['zh', 'ja', 'th', 'lo', 'km', 'my', 'bo']);
/** Languages whose words take their particles and endings attached: whole-word stop lists miss. */
const AGGLUTINATED = new Set(['ko']);
/** Other `lang` values that name a language with a list. */
const ALIASES: Record<string, string> = {
  nb: 'no',
  nn: 'no',
  iw: 'he',
  in: 'id',
  tagalog: 'tl',
  fil: 'tl',
  bs: 'hr',
  sr: 'hr',
};

const byFranc = new Map<string, string>();
for (const [key, codes] of Object.entries(FRANC_CODES)) for (const c of codes) byFranc.set(c, key);
const fromFranc: Record<string, string> = { cmn: 'zh', jpn: 'ja', tha: 'th' };

const cache = new Map<string, ReadonlySet<string>>();

/** The stop-word set of a stopwords-iso language key (built once per process). */
export function stopList(key: string): ReadonlySet<string> | undefined {
  if (UNSPACED.has(key) || AGGLUTINATED.has(key)) return undefined;
  let set = cache.get(key);
  if (!set) {
    const words = lists[key];
    if (!words) return undefined;
    set = new Set(words.map((w) => w.toLowerCase()));
    cache.set(key, set);
  }
  return set;
}

/** The number of languages with a list (for the README and tests). */
export const STOP_LIST_LANGUAGES = Object.keys(lists).filter((k) => !UNSPACED.has(k)).length;

/** ISO 639-1 key from a `lang` attribute value (`pt-BR` → `pt`), or '' when it names none. */
export function langKey(attr: string): string {
  const primary = attr.split(/[-_]/)[0]!.trim().toLowerCase();
  return ALIASES[primary] ?? primary;
}

/** A stop-word density this high under the `lang` attribute's list settles the language. */
const TRUSTED_DENSITY = 0.2;

/**
 * The page's language key: the `lang` attribute's language when the sample (the page's longest
 * texts) has many of its stop words; else the attribute's or the one franc finds in the sample,
 * whichever has more of its stop words there (templates often keep a `lang="en"` on pages in
 * other languages); '' when neither says.
 */
export function pageLanguage(langAttr: string, sample: string): string {
  const key = langKey(langAttr);
  const own = key && !UNSPACED.has(key) ? stopList(key) : undefined;
  const ownDensity = own ? stopDensity(sample, own) : 0;
  if (ownDensity >= TRUSTED_DENSITY) return key;
  const found = identify(sample, { minLength: 40, sampleChars: 1000 }).language;
  const guess = byFranc.get(found) ?? fromFranc[found] ?? '';
  if (!key || !(lists[key] || UNSPACED.has(key))) return guess;
  if (UNSPACED.has(guess) || UNSPACED.has(key)) return UNSPACED.has(guess) ? guess : key;
  const other = guess && guess !== key ? stopList(guess) : undefined;
  return other && stopDensity(sample, other) > ownDensity ? guess : key;
}
