/**
 * Text blocks of a document tree, and jusText's classification of them (Pomikálek 2011, the
 * default of NeMo Curator; thresholds as jusText ships them: length 70/200, stop-word density
 * 0.30/0.32, link density 0.2, heading distance 200).
 *
 * A block is the text between two block-level boundaries (headings, paragraphs, list items,
 * table rows with ` | ` between cells, `pre` verbatim, `br`), with the element that holds it.
 */
import { type El, parsePage } from './dom.js';

export type Cls = 'good' | 'bad' | 'short' | 'near-good';

export interface Block {
  text: string;
  /** Effective length: CJK ideographs, kana and hangul count three (they carry more text). */
  length: number;
  /** Characters inside links. */
  linkChars: number;
  heading: boolean;
  pre: boolean;
  /** The innermost block-level element holding the text. */
  owner: El;
  cls: Cls;
}

export const BLOCK_TAGS = new Set([
  'address',
  'article',
  'blockquote',
  'body',
  'center',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'footer',
  'nav',
  'aside',
  'hr',
  'li',
  'main',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'thead',
  'tfoot',
  'tr',
  'caption',
  'ul',
  'br',
  'form',
  'menu',
  'dialog',
  'label',
  'legend',
]);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

const WIDE = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;

/** Effective length of a text: CJK characters count three. */
export function effectiveLength(text: string): number {
  return text.length + 2 * (text.match(WIDE)?.length ?? 0);
}

/** The blocks under `root`, in reading order, leaving out the subtrees `skip` names. */
export function segment(root: El, skip: (el: El) => boolean = () => false): Block[] {
  const blocks: Block[] = [];
  let parts: string[] = [];
  let linkChars = 0;
  let heading = 0;
  let pre = 0;
  let cells = 0;
  const flush = (owner: El): void => {
    if (parts.length === 0) return;
    const raw = parts.join('');
    parts = [];
    const text = pre > 0 ? raw.replace(/^\n+|\s+$/g, '') : raw.replace(/[\s\u00a0]+/g, ' ').trim();
    if (text)
      blocks.push({
        text,
        length: effectiveLength(text),
        linkChars: Math.min(linkChars, text.length),
        heading: heading > 0,
        pre: pre > 0,
        owner,
        cls: 'bad',
      });
    linkChars = 0;
  };
  const walk = (el: El, owner: El, inLink: boolean): void => {
    const isBlock = BLOCK_TAGS.has(el.tag) || ((el.tag === 'td' || el.tag === 'th') && isLayoutCell(el));
    const own = isBlock ? el : owner;
    if (isBlock) flush(owner);
    if (el.tag === 'tr') cells = 0;
    if ((el.tag === 'td' || el.tag === 'th') && !isBlock && cells++ > 0) parts.push(' | ');
    const h = HEADINGS.has(el.tag);
    if (h) heading += 1;
    if (el.tag === 'pre') pre += 1;
    const link = inLink || el.tag === 'a';
    for (const k of el.kids) {
      if (typeof k === 'string') {
        parts.push(k);
        if (link) linkChars += k.replace(/\s+/g, ' ').length;
      } else if (!skip(k)) walk(k, own, link);
    }
    if (isBlock) flush(el);
    if (h) heading -= 1;
    if (el.tag === 'pre') pre -= 1;
  };
  walk(root, root, false);
  flush(root);
  return blocks;
}

/**
 * A table cell used for layout rather than data (old sites lay pages out in tables): it holds
 * block-level elements or line breaks, or much text. Its text is a block of its own, not a cell
 * of a ` | ` row.
 */
function isLayoutCell(el: El): boolean {
  if (el.chars > 200) return true;
  for (const k of el.kids) if (typeof k !== 'string' && BLOCK_TAGS.has(k.tag)) return true;
  return false;
}

export interface JusTextOptions {
  lengthLow: number;
  lengthHigh: number;
  stopwordsLow: number;
  stopwordsHigh: number;
  maxLinkDensity: number;
  maxHeadingDistance: number;
}

const EDGE = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** Stop-word density of a text: the share of its words in `stop`. */
export function stopDensity(text: string, stop: ReadonlySet<string>): number {
  let n = 0;
  let hits = 0;
  for (const raw of text.toLowerCase().split(/\s+/)) {
    const w = raw.replace(EDGE, '');
    if (!w) continue;
    n += 1;
    if (stop.has(w)) hits += 1;
  }
  return n ? hits / n : 0;
}

/**
 * jusText's context-free classification, then its context revision, in place. With no stop
 * list (`stop` undefined: a language without one, or a script without spaces) both stop-word
 * thresholds are zero, as jusText advises for such languages.
 */
export function classify(blocks: Block[], o: JusTextOptions, stop: ReadonlySet<string> | undefined): void {
  const low = stop ? o.stopwordsLow : 0;
  const high = stop ? o.stopwordsHigh : 0;
  for (const b of blocks) {
    const density = stop ? stopDensity(b.text, stop) : 0;
    const linkDensity = b.linkChars / Math.max(b.text.length, 1);
    if (linkDensity > o.maxLinkDensity) b.cls = 'bad';
    else if (b.pre) b.cls = b.length >= 20 ? 'near-good' : 'short';
    else if (b.length < o.lengthLow) b.cls = b.linkChars > 0 ? 'bad' : 'short';
    else if (density >= high) b.cls = b.length > o.lengthHigh ? 'good' : 'near-good';
    else if (density >= low) b.cls = 'near-good';
    else b.cls = 'bad';
  }
  // a short page may have no block over lengthHigh: then its longest near-good block anchors
  // the context revision, so a page of two good paragraphs is not thrown away whole
  if (!blocks.some((b) => b.cls === 'good')) {
    let anchor: Block | undefined;
    for (const b of blocks) if (b.cls === 'near-good' && !b.pre && (!anchor || b.length > anchor.length)) anchor = b;
    if (anchor) anchor.cls = 'good';
  }
  revise(blocks, o);
}

function neighbour(blocks: Block[], i: number, step: 1 | -1, ignore: ReadonlySet<Cls>): Cls {
  for (let j = i + step; j >= 0 && j < blocks.length; j += step) {
    if (!ignore.has(blocks[j]!.cls)) return blocks[j]!.cls;
  }
  return 'bad';
}

const SHORT_ONLY: ReadonlySet<Cls> = new Set(['short']);
const NEAR_OR_SHORT: ReadonlySet<Cls> = new Set(['near-good', 'short']);

function revise(blocks: Block[], o: JusTextOptions): void {
  // a heading shortly before good text is near-good (jusText's heading rule)
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (!b.heading || b.cls === 'good') continue;
    let distance = 0;
    for (let j = i + 1; j < blocks.length && distance <= o.maxHeadingDistance; j++) {
      if (blocks[j]!.cls === 'good') {
        b.cls = 'near-good';
        break;
      }
      distance += blocks[j]!.text.length;
    }
  }
  const shorts = blocks.map((b, i) => {
    if (b.cls !== 'short') return b.cls;
    const prev = neighbour(blocks, i, -1, SHORT_ONLY);
    const next = neighbour(blocks, i, 1, SHORT_ONLY);
    if (prev === 'good' && next === 'good') return 'good';
    if (prev === 'bad' && next === 'bad') return 'bad';
    if ((prev === 'bad' && next === 'near-good') || (prev === 'near-good' && next === 'bad')) return 'bad';
    return 'good';
  });
  for (const [i, b] of blocks.entries()) b.cls = shorts[i]!;
  const final = blocks.map((b, i) => {
    if (b.cls !== 'near-good') return b.cls;
    return neighbour(blocks, i, -1, NEAR_OR_SHORT) === 'good' || neighbour(blocks, i, 1, NEAR_OR_SHORT) === 'good'
      ? 'good'
      : 'bad';
  });
  for (const [i, b] of blocks.entries()) b.cls = final[i]!;
}

/** Every visible text block of an HTML page, in reading order, and its `<title>`. */
export function htmlBlocks(html: string): { blocks: Block[]; title: string } {
  const page = parsePage(html);
  return { blocks: segment(page.body), title: page.title };
}
