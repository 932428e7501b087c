/**
 * Main-content extraction: choose the article's container in the document tree, clean inside it,
 * and fall back to block classification over the whole page when the choice is poor.
 *
 * 1. jusText classifies every block of the page with the page's stop list (`blocks.ts`,
 *    `stoplists.ts`). Furniture (navigation, headers, footers, asides, forms, share bars,
 *    comments, cookie banners, related posts, captions, datelines: `boilerplate.ts`) is set
 *    aside, unless it holds most of the page's good text (a page whose whole body sits inside one
 *    `<form>`, as ASP.NET sites have it). A page left with no good block has an article only if
 *    its container holds 100 characters of text that is not links (a photo post's notes); an
 *    index of links has none: no text.
 * 2. Containers are scored as Readability does (Mozilla's reader view): every paragraph of at
 *    least 25 characters gives 1 + its commas + one per 100 characters (at most 3) to its parent,
 *    half to its grandparent and a third per level to three more ancestors; a container starts
 *    from its tag and class weight and ends scaled by 1 − its link density. The best one is
 *    promoted to a common ancestor when several near-best ones share it, climbs while its parent
 *    scores higher, and takes in siblings that score close to it or read as prose.
 * 3. Inside it, blocks that are almost all link text (menus, tag lists, "read more") are dropped,
 *    and headings left with no text under them; link-dense prose (a digest whose every sentence
 *    links) is kept, since its place marks it. When the container holds less than a third of the
 *    page's good text, jusText's good blocks are taken instead (the candidates compared by their
 *    text, as Trafilatura compares its fallbacks).
 * 4. Repeated blocks are kept once, and a leading heading that repeats the `<title>` is dropped
 *    (the title is the document's metadata).
 *
 * Measured by `npm run bench` (`extract_quality`, scripts/extract-quality.mjs).
 */
import { type Block, type JusTextOptions, classify, segment, stopDensity } from '../../text/html/blocks.js';
import { classWeight, furnitureMark } from './boilerplate.js';
import type { El, Page } from '../../text/html/dom.js';
import { pageLanguage, stopList } from './stoplists.js';

export interface MainContent {
  text: string;
  /** The page's language key (ISO 639-1) used for the stop list, '' when unknown. */
  language: string;
  /** Which candidate won: the chosen container, or the whole-page classification. */
  method: 'container' | 'blocks' | 'none';
}

/** Share of the page's text above which a furniture-marked element is the page's container. */
const CONTAINER_SHARE = 0.5;
/** The same for strong marks (comments, share bars): a misnamed wrapper of the whole article. */
const STRONG_CONTAINER_SHARE = 0.8;
/**
 * The chosen container must hold this share of the page's good text, or jusText's text is taken
 * (a page whose good text lies mostly elsewhere: the container is a fragment of the article).
 */
const MIN_COVERED = 1 / 3;
const MIN_PARAGRAPH = 25;
/** Characters of non-link text a page with no good block needs in its container to have an article. */
const MIN_SHORT_ARTICLE = 100;
/** Stop-word thresholds are capped at this share of the density of the page's longest texts. */
const CALIBRATION = 0.7;
const SCORED_LEVELS = 5;
/** Tags whose text is not scored as a paragraph (Readability scores p, pre, td, div-like text). */
const UNSCORED = new Set([
  'li',
  'dt',
  'dd',
  'th',
  'figcaption',
  'caption',
  'label',
  'legend',
  'summary',
  'h1',
  'address',
]);
const TAG_WEIGHT: Record<string, number> = {
  div: 5,
  pre: 3,
  td: 3,
  blockquote: 3,
  address: -3,
  ol: -3,
  ul: -3,
  dl: -3,
  dd: -3,
  dt: -3,
  li: -3,
  form: -3,
  h1: -5,
  h2: -5,
  h3: -5,
  h4: -5,
  h5: -5,
  h6: -5,
  th: -5,
};
const COMMA = /[,，、،]/g;

/**
 * Furniture elements of the page (their subtrees are set aside): those whose marks say so, unless
 * they hold most of the page's good text (then they are the page's container, as a `<form>`
 * around a whole ASP.NET page, a Blogger "widget" around the post, or a `socialicons` wrapper
 * around a WordPress article); a strong mark (comments, share bars) needs nearly all of it.
 */
function furnitureOf(body: El, good: Block[]): Set<El> {
  const goodIn = new Map<El, number>();
  let total = 0;
  for (const b of good) {
    total += b.length;
    for (let p: El | undefined = b.owner; p; p = p.parent) goodIn.set(p, (goodIn.get(p) ?? 0) + b.length);
  }
  const limit = total * CONTAINER_SHARE;
  const strongLimit = total * STRONG_CONTAINER_SHARE;
  const found = new Set<El>();
  const walk = (el: El, inArticle: boolean): void => {
    for (const k of el.kids) {
      if (typeof k === 'string') continue;
      const mark = furnitureMark(k, inArticle);
      if (mark > 0 && (goodIn.get(k) ?? 0) <= (mark === 2 ? strongLimit : limit)) found.add(k);
      else walk(k, inArticle || k.tag === 'article' || k.tag === 'main');
    }
  };
  walk(body, false);
  return found;
}

function hasBlockChild(el: El): boolean {
  for (const k of el.kids)
    if (
      typeof k !== 'string' &&
      k.tag !== 'a' &&
      k.tag !== 'span' &&
      k.tag !== 'b' &&
      k.tag !== 'i' &&
      k.tag !== 'em' &&
      k.tag !== 'strong'
    )
      return true;
  return false;
}

/** Characters and link characters of `el` without the furniture below it. */
function measured(el: El, furniture: Set<El>, memo: Map<El, [number, number]>): [number, number] {
  const hit = memo.get(el);
  if (hit) return hit;
  let chars = 0;
  let links = 0;
  for (const k of el.kids) {
    if (typeof k === 'string' || furniture.has(k)) continue;
    const [c, l] = measured(k, furniture, memo);
    chars += c;
    links += l;
  }
  // text directly in `el`: its total less its element children's totals
  let own = el.chars;
  let ownLinks = el.linkChars;
  for (const k of el.kids)
    if (typeof k !== 'string') {
      own -= k.chars;
      ownLinks -= k.linkChars;
    }
  const r: [number, number] = [chars + own, links + ownLinks];
  memo.set(el, r);
  return r;
}

/** Readability's container choice over the scored blocks; `undefined` when nothing scores. */
function chooseContainer(body: El, blocks: Block[], furniture: Set<El>): El[] | undefined {
  const score = new Map<El, number>();
  const touch = (el: El): void => {
    if (!score.has(el)) score.set(el, (TAG_WEIGHT[el.tag] ?? 0) + classWeight(el));
  };
  for (const b of blocks) {
    if (UNSCORED.has(b.owner.tag) || b.length - b.linkChars < MIN_PARAGRAPH) continue;
    const s = 1 + (b.text.match(COMMA)?.length ?? 0) + Math.min(3, Math.floor(b.length / 100));
    let el: El | undefined = hasBlockChild(b.owner) || b.owner === body ? b.owner : b.owner.parent;
    for (let level = 0; el && level < SCORED_LEVELS; level++, el = el.parent) {
      touch(el);
      score.set(el, score.get(el)! + (level === 0 ? s : level === 1 ? s / 2 : s / (level * 3)));
    }
  }
  if (score.size === 0) return undefined;
  const memo = new Map<El, [number, number]>();
  const final = new Map<El, number>();
  for (const [el, s] of score) {
    const [chars, links] = measured(el, furniture, memo);
    final.set(el, s * (1 - (chars ? links / chars : 0)));
  }
  const ranked = [...final.entries()].sort((a, b) => b[1] - a[1]);
  let [top, topScore] = ranked[0]!;
  // several near-best candidates under one ancestor: the ancestor is the article
  const alternatives = ranked
    .slice(1, 5)
    .filter(([, s]) => s >= topScore * 0.75)
    .map(([el]) => el);
  if (alternatives.length >= 3) {
    for (let p = top.parent; p && p !== body; p = p.parent) {
      const under = new Set([p]);
      if (alternatives.filter((a) => within(a, under)).length >= 3) {
        top = p;
        break;
      }
    }
  }
  // climb while the parent scores higher (the article spread over several children)
  let last = final.get(top) ?? topScore;
  for (let p = top.parent; p && p !== body; p = p.parent) {
    const ps = final.get(p);
    if (ps === undefined) continue;
    if (ps < last / 3) break;
    if (ps > last) {
      top = p;
      break;
    }
    last = ps;
  }
  while (top.parent && top.parent !== body && elementKids(top.parent).filter((k) => !furniture.has(k)).length === 1)
    top = top.parent;
  topScore = final.get(top) ?? topScore;
  const parent = top.parent;
  if (!parent) return [top];
  const threshold = Math.max(10, topScore * 0.2);
  const chosen: El[] = [];
  for (const s of elementKids(parent)) {
    if (furniture.has(s)) continue;
    if (s === top) {
      chosen.push(s);
      continue;
    }
    const bonus = s.names && s.names === top.names ? topScore * 0.2 : 0;
    const ss = final.get(s);
    if (ss !== undefined && ss + bonus >= threshold) chosen.push(s);
    else if (s.tag === 'p') {
      const [chars, links] = measured(s, furniture, memo);
      const density = chars ? links / chars : 0;
      if ((chars > 80 && density < 0.25) || (chars > 0 && chars <= 80 && density === 0)) chosen.push(s);
    }
  }
  return chosen;
}

function elementKids(el: El): El[] {
  return el.kids.filter((k): k is El => typeof k !== 'string');
}

/**
 * A block that is almost all link text: a menu entry, a tag, "Read more: …". A sentence that
 * links most of its words but has words of its own around them (a digest) is not.
 */
function linkJunk(b: Block): boolean {
  const density = b.linkChars / Math.max(1, b.text.length);
  if (density > 0.8) return true;
  if (density <= 0.5) return false;
  return (b.text.length - b.linkChars) / b.text.length < 0.3 && b.length < 120;
}

function sampleOf(blocks: Block[]): string {
  return [...blocks]
    .filter((b) => b.linkChars < b.text.length / 2)
    .sort((a, b) => b.length - a.length)
    .slice(0, 8)
    .map((b) => b.text)
    .join(' ')
    .slice(0, 1000);
}

const joinText = (blocks: Block[]): string => blocks.map((b) => b.text).join('\n');

/** True when `el` is `top` or lies below it. */
function within(el: El, tops: ReadonlySet<El>): boolean {
  for (let p: El | undefined = el; p; p = p.parent) if (tops.has(p)) return true;
  return false;
}

/**
 * Drops headings left with no text under them: a section whose text was all links or furniture
 * ("Related topics", "Share this", "Weitere Themen") leaves its heading behind.
 */
function withoutOrphanHeadings(blocks: Block[]): Block[] {
  return blocks.filter((b, i) => !b.heading || (i + 1 < blocks.length && !blocks[i + 1]!.heading));
}

/** Blocks in reading order without repeats (a caption shown twice, a slideshow's copies). */
function unique(blocks: Block[]): Block[] {
  const seen = new Set<string>();
  return blocks.filter((b) => {
    if (seen.has(b.text)) return false;
    seen.add(b.text);
    return true;
  });
}

const squash = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/**
 * Drops a short leading block (a heading, or a styled line on older sites) that repeats the
 * page's title: the title is the document's metadata, not body text.
 */
function withoutTitle(blocks: Block[], title: string): Block[] {
  const t = squash(title);
  if (!t) return blocks;
  for (let i = 0; i < Math.min(3, blocks.length); i++) {
    const b = blocks[i]!;
    if (b.length > 200) break;
    const h = squash(b.text);
    if (h.length >= 8 && t.includes(h)) return blocks.filter((_, j) => j !== i);
  }
  return blocks;
}

/**
 * jusText's stop-word thresholds for this page. They were tuned on jusText's own lists; a list
 * that catches fewer of a language's function words (an inflected language such as Polish, a
 * script whose list splits poorly) leaves even the page's best prose below them. So they are
 * capped at a share of the stop-word density of the page's longest texts: the article's prose
 * stays above, menus and link lists stay far below.
 */
function calibrated(o: JusTextOptions, sampleDensity: number): JusTextOptions {
  const cap = sampleDensity * CALIBRATION;
  if (cap >= o.stopwordsLow) return o;
  return {
    ...o,
    stopwordsLow: cap,
    stopwordsHigh: Math.min(o.stopwordsHigh, cap + (o.stopwordsHigh - o.stopwordsLow)),
  };
}

/**
 * A page with no block long enough for jusText (a photo post with a few lines of notes, a short
 * notice) still has an article when its container holds some prose that is not links; an index of
 * links does not (its container is all links).
 */
function shortArticle(page: Page, blocks: Block[], container: El[] | undefined, language: string): MainContent {
  const none: MainContent = { text: '', language, method: 'none' };
  if (!container) return none;
  const tops = new Set(container);
  const kept = withoutOrphanHeadings(blocks.filter((b) => within(b.owner, tops) && !linkJunk(b)));
  const chars = kept.reduce((s, b) => s + b.length - b.linkChars, 0);
  if (chars < MIN_SHORT_ARTICLE) return none;
  return { text: joinText(withoutTitle(unique(kept), page.title)), language, method: 'container' };
}

/** The main text of a parsed page. */
export function mainContent(page: Page, o: JusTextOptions): MainContent {
  const { body } = page;
  const all = segment(body);
  const sample = sampleOf(all);
  const language = pageLanguage(page.lang, sample);
  const stop = stopList(language);
  const thresholds = stop ? calibrated(o, stopDensity(sample, stop)) : o;
  classify(all, thresholds, stop);
  const furniture = furnitureOf(
    body,
    all.filter((b) => b.cls === 'good'),
  );
  // again without the furniture, inline pieces too (a dateline <span> inside a paragraph's cell)
  const blocks = furniture.size > 0 ? segment(body, (el) => furniture.has(el)) : all;
  if (furniture.size > 0) classify(blocks, thresholds, stop);
  const good = blocks.filter((b) => b.cls === 'good');
  const container = chooseContainer(body, blocks, furniture);
  if (good.length === 0) return shortArticle(page, blocks, container, language);
  const goodLength = good.reduce((s, b) => s + b.length, 0);
  let chosen = good;
  let method: MainContent['method'] = 'blocks';
  if (container) {
    const tops = new Set(container);
    const inside = blocks.filter((b) => within(b.owner, tops));
    const covered = good.filter((b) => within(b.owner, tops)).reduce((s, b) => s + b.length, 0);
    const kept = withoutOrphanHeadings(inside.filter((b) => !linkJunk(b)));
    if (kept.length > 0 && covered >= goodLength * MIN_COVERED) {
      chosen = kept;
      method = 'container';
    }
  }
  const final = withoutTitle(unique(chosen), page.title);
  return { text: joinText(final), language, method };
}
