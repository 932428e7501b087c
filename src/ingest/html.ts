/**
 * Main-content extraction from HTML, in the manner of jusText (Pomikálek 2011; NeMo Curator's
 * default) with Trafilatura's tag and class pruning:
 *
 * - parse with htmlparser2 (a maintained, forgiving streaming parser; entities decoded);
 * - drop non-content subtrees: script, style, noscript, template, svg, iframe, nav, header
 *   (outside an article), footer, aside, form and controls, plus elements whose role,
 *   `hidden`/`aria-hidden` or class/id tokens mark navigation, menus, cookie banners, sharing,
 *   comments or ads;
 * - split the rest into blocks at block-level tags (headings, paragraphs, list items, table
 *   rows with ` | ` between cells, `pre` kept verbatim, `br`);
 * - classify each block by length, link density and stop-word density (jusText's defaults:
 *   length 70/200, stop words 0.30/0.32, link density 0.2, heading distance 200), switching to
 *   language-independent thresholds when the page has almost no known stop words (CJK, or a
 *   language without a list), then revise short and near-good blocks from their neighbours;
 * - keep the good blocks, one per line.
 */
import { Parser } from 'htmlparser2';
import { ALL_STOP_WORDS } from '../text/stopwords.js';

export interface HtmlOptions {
  lengthLow: number;
  lengthHigh: number;
  stopwordsLow: number;
  stopwordsHigh: number;
  maxLinkDensity: number;
  maxHeadingDistance: number;
}

export const DEFAULT_HTML_OPTIONS: HtmlOptions = {
  lengthLow: 70,
  lengthHigh: 200,
  stopwordsLow: 0.3,
  stopwordsHigh: 0.32,
  maxLinkDensity: 0.2,
  maxHeadingDistance: 200,
};

const SKIP_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas', 'nav',
  'footer', 'aside', 'form', 'button', 'select', 'textarea', 'input', 'head', 'menu', 'dialog', 'map',
  'audio', 'video', 'picture',
]);
const BLOCK_TAGS = new Set([
  'address', 'article', 'blockquote', 'body', 'center', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'html', 'li', 'main', 'ol',
  'p', 'pre', 'section', 'summary', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'caption', 'ul', 'br',
]);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const CONTAINERS = new Set(['html', 'body', 'main', 'article']);
const BOILERPLATE_ROLE = /^(navigation|banner|contentinfo|complementary|search|menu|menubar|dialog|alert)$/;
const BOILERPLATE_TOKEN =
  /^(nav|navbar|navigation|menu|mainmenu|topbar|sidebar|side-bar|breadcrumbs?|footer|site-footer|cookies?|cookie-banner|consent|gdpr|share|sharing|social|social-links|related|related-posts|advert|advertisement|ads?|adsbygoogle|sponsored|promo|newsletter|subscribe|popup|modal|comments?|comment-list|pagination|skip-link|masthead|toolbar)$/i;

type Cls = 'good' | 'bad' | 'short' | 'near-good';

interface Block {
  text: string;
  linkChars: number;
  heading: boolean;
  pre: boolean;
  cls: Cls;
}

function isBoilerplate(tag: string, attrs: Record<string, string>, insideArticle: boolean): boolean {
  if (tag === 'header') return !insideArticle;
  if (CONTAINERS.has(tag)) return false;
  if ('hidden' in attrs || attrs['aria-hidden'] === 'true') return true;
  if (attrs.role && BOILERPLATE_ROLE.test(attrs.role)) return true;
  if (/display\s*:\s*none/i.test(attrs.style ?? '')) return true;
  const tokens = `${attrs.class ?? ''} ${attrs.id ?? ''}`.split(/[\s]+/).filter(Boolean);
  return tokens.some((t) => BOILERPLATE_TOKEN.test(t));
}

/** Effective length: CJK ideographs, kana and hangul count three, as they carry more text. */
function effectiveLength(text: string): number {
  const wide = text.match(/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/g);
  return text.length + 2 * (wide?.length ?? 0);
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter(Boolean);
}

/** Splits HTML into text blocks, dropping non-content subtrees. */
export function htmlBlocks(html: string): { blocks: Block[]; title: string } {
  const blocks: Block[] = [];
  let skipDepth = 0;
  const stack: Array<{ tag: string; skip: boolean }> = [];
  let articleDepth = 0;
  let preDepth = 0;
  let linkDepth = 0;
  let headingDepth = 0;
  let inTitle = false;
  let title = '';
  let parts: string[] = [];
  let linkChars = 0;
  let rowCells = 0;

  const flush = (): void => {
    const raw = parts.join('');
    parts = [];
    const text = preDepth > 0 ? raw.replace(/^\n+|\s+$/g, '') : raw.replace(/[\s\u00a0]+/g, ' ').trim();
    if (text) blocks.push({ text, linkChars: Math.min(linkChars, text.length), heading: headingDepth > 0, pre: preDepth > 0, cls: 'bad' });
    linkChars = 0;
  };

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const skip = skipDepth > 0 || SKIP_TAGS.has(name) || isBoilerplate(name, attrs, articleDepth > 0);
        stack.push({ tag: name, skip });
        if (name === 'title') inTitle = true;
        if (skip) {
          skipDepth += 1;
          return;
        }
        if (name === 'td' || name === 'th') {
          if (rowCells++ > 0) parts.push(' | ');
          return;
        }
        if (BLOCK_TAGS.has(name)) flush();
        if (name === 'tr') rowCells = 0;
        if (name === 'article' || name === 'main') articleDepth += 1;
        if (name === 'pre') preDepth += 1;
        if (name === 'a') linkDepth += 1;
        if (HEADINGS.has(name)) headingDepth += 1;
      },
      ontext(data) {
        if (inTitle) title += data;
        if (skipDepth > 0) return;
        parts.push(data);
        if (linkDepth > 0) linkChars += data.replace(/\s+/g, ' ').length;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        // htmlparser2 closes implied tags itself, so the stack top is the element being closed
        const top = stack.pop();
        if (!top) return;
        if (top.skip) {
          skipDepth -= 1;
          return;
        }
        if (name === 'td' || name === 'th') return;
        if (BLOCK_TAGS.has(name)) flush();
        if (name === 'article' || name === 'main') articleDepth -= 1;
        if (name === 'pre') preDepth -= 1;
        if (name === 'a') linkDepth -= 1;
        if (HEADINGS.has(name)) headingDepth -= 1;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  flush();
  return { blocks, title: title.replace(/\s+/g, ' ').trim() };
}

function classify(blocks: Block[], o: HtmlOptions): void {
  const blockWords = blocks.map((b) => words(b.text));
  let stop = 0;
  let total = 0;
  const stopCounts = blockWords.map((ws) => {
    let n = 0;
    for (const w of ws) if (ALL_STOP_WORDS.has(w)) n += 1;
    stop += n;
    total += ws.length;
    return n;
  });
  // jusText's advice for a language without a stop list: set both thresholds to zero
  const agnostic = total === 0 || stop / total < 0.05;
  const low = agnostic ? 0 : o.stopwordsLow;
  const high = agnostic ? 0 : o.stopwordsHigh;
  blocks.forEach((b, i) => {
    const length = effectiveLength(b.text);
    const n = blockWords[i]!.length;
    const density = n ? stopCounts[i]! / n : 0;
    const linkDensity = b.linkChars / Math.max(b.text.length, 1);
    if (linkDensity > o.maxLinkDensity) b.cls = 'bad';
    else if (b.pre) b.cls = length >= 20 ? 'near-good' : 'short';
    else if (length < o.lengthLow) b.cls = b.linkChars > 0 ? 'bad' : 'short';
    else if (density >= high) b.cls = length > o.lengthHigh ? 'good' : 'near-good';
    else if (density >= low) b.cls = 'near-good';
    else b.cls = 'bad';
  });
  // a short page may have no block over lengthHigh: then its longest near-good block anchors
  // the context revision, so a page of two good paragraphs is not thrown away whole
  if (!blocks.some((b) => b.cls === 'good')) {
    const nearGood = blocks.filter((b) => b.cls === 'near-good' && !b.pre);
    const anchor = nearGood.reduce<Block | undefined>((best, b) => (!best || effectiveLength(b.text) > effectiveLength(best.text) ? b : best), undefined);
    if (anchor) anchor.cls = 'good';
  }
}

function neighbour(blocks: Block[], i: number, step: 1 | -1, ignore: Set<Cls>): Cls {
  for (let j = i + step; j >= 0 && j < blocks.length; j += step) {
    if (!ignore.has(blocks[j]!.cls)) return blocks[j]!.cls;
  }
  return 'bad';
}

function revise(blocks: Block[], o: HtmlOptions): void {
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
  const shortOnly = new Set<Cls>(['short']);
  const updates = blocks.map((b, i) => {
    if (b.cls !== 'short') return b.cls;
    const prev = neighbour(blocks, i, -1, shortOnly);
    const next = neighbour(blocks, i, 1, shortOnly);
    if (prev === 'good' && next === 'good') return 'good';
    if (prev === 'bad' && next === 'bad') return 'bad';
    if ((prev === 'bad' && next === 'near-good') || (prev === 'near-good' && next === 'bad')) return 'bad';
    return 'good';
  });
  blocks.forEach((b, i) => (b.cls = updates[i]!));
  const skip = new Set<Cls>(['near-good', 'short']);
  const final = blocks.map((b, i) => {
    if (b.cls !== 'near-good') return b.cls;
    return neighbour(blocks, i, -1, skip) === 'good' || neighbour(blocks, i, 1, skip) === 'good' ? 'good' : 'bad';
  });
  blocks.forEach((b, i) => (b.cls = final[i]!));
}

/** The main-content text of an HTML page, one block per line, and its `<title>`. */
export function extractMainText(html: string, opts: HtmlOptions = DEFAULT_HTML_OPTIONS): { text: string; title: string } {
  const { blocks, title } = htmlBlocks(html);
  classify(blocks, opts);
  revise(blocks, opts);
  return { text: blocks.filter((b) => b.cls === 'good').map((b) => b.text).join('\n'), title };
}
