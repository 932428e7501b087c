/**
 * What marks an element as page furniture rather than content, from its tag, `role`, and the
 * words of its class and id (Readability's and Trafilatura's pattern lists, as word parts rather
 * than substrings, so `masthead-content` or `contentinfo` do not both match and miss), and the
 * class weight Readability gives candidate containers.
 */
import type { El } from '../../text/html/dom.js';

/** Tags that hold navigation, side matter or captions (a `header` only outside the article). */
const FURNITURE_TAGS = new Set(['nav', 'footer', 'aside', 'menu', 'dialog', 'form', 'fieldset', 'figcaption']);
const FURNITURE_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'complementary',
  'search',
  'menu',
  'menubar',
  'dialog',
  'alert',
  'alertdialog',
  'toolbar',
]);

/**
 * Parts of class or id words (split at `-`, `_`, `:` and `.`) that mark furniture. The strong
 * ones never hold the article; the others (a `widget`, a `menu`, a `form`) are set aside only
 * when they do not hold most of the page's good text.
 */
const STRONG_PARTS = new Set([
  'comment',
  'comments',
  'disqus',
  'related',
  'share',
  'sharing',
  'sharer',
  'sharebar',
  'social',
  'socials',
  'cookie',
  'cookies',
  'consent',
  'gdpr',
  'newsletter',
  'subscribe',
  'subscription',
  'breadcrumb',
  'breadcrumbs',
  'footer',
  'recommended',
  'outbrain',
  'taboola',
  'pagination',
  'pager',
  'skiplink',
  'sronly',
  'adsbygoogle',
  // the same in the web's other large languages
  'kommentar',
  'kommentare',
  'commentaire',
  'commentaires',
  'comentario',
  'comentarios',
  'commenti',
  'komentarz',
  'komentarze',
  'reacties',
  'teilen',
  'partager',
  'compartir',
  'condividi',
  'verwandt',
  'similaires',
  'relacionados',
  'correlati',
  'fusszeile',
  'werbung',
  'anzeige',
  'publicidad',
  'publicite',
  'pubblicita',
]);
const WEAK_PARTS = new Set([
  'nav',
  'navbar',
  'navigation',
  'menu',
  'menus',
  'mainmenu',
  'submenu',
  'sidebar',
  'sidebars',
  'advert',
  'advertisement',
  'ads',
  'sponsor',
  'sponsored',
  'promo',
  'popup',
  'modal',
  'masthead',
  'toolbar',
  'banner',
  'skip',
  'tags',
  'tagcloud',
  'rss',
  'login',
  'signup',
  'print',
  'byline',
  'author',
  'meta',
  'postmeta',
  'caption',
  'credit',
  'credits',
  'date',
  'time',
  'timestamp',
  'published',
  'updated',
  'dateline',
  'bio',
  'copyright',
  'datum',
  'fecha',
  'autor',
  'auteur',
  'seitenleiste',
]);
/** Words that start or end with one of these (`commentscontainer`, `leftsidebar`) count as it. */
const AFFIXES = [
  'comments',
  'footer',
  'sidebar',
  'share',
  'social',
  'related',
  'cookie',
  'consent',
  'navbar',
  'navigation',
  'newsletter',
  'subscribe',
  'breadcrumb',
  'pagination',
  'advert',
  'sponsor',
  'popup',
  'banner',
  'kommentar',
];
const STRONG_AFFIXES = new Set([
  'comments',
  'footer',
  'share',
  'social',
  'related',
  'cookie',
  'consent',
  'newsletter',
  'subscribe',
  'breadcrumb',
  'pagination',
  'kommentar',
]);
/**
 * Words that describe the element's content rather than its role, as WordPress writes them on
 * the article itself (`category-social-issues`, `tag-comments`, `no-share`): never furniture.
 */
const DESCRIPTIVE =
  /^(?:(?:category|cat|tag|tags|format|status|type|has|no|postid|term|lang)[-_]|(?:post|page-id)-\d|page-template)/;
/** Words that mark the element as the content: they outweigh any furniture word beside them. */
const CONTENT_WORDS = new Set([
  'hentry',
  'h-entry',
  'post',
  'article',
  'entry',
  'story',
  'content',
  'main',
  'post-content',
  'entry-content',
  'article-body',
  'articlebody',
  'post-body',
]);
/** Exceptions: a word with one of these parts is content whatever else it says. */
const CONTENT_PARTS = new Set(['content', 'article', 'articlebody', 'body', 'main', 'entry', 'story', 'text']);

/** How strongly a word of a class or id marks furniture: 2 strong, 1 weak, 0 not. */
function wordMark(word: string): 0 | 1 | 2 {
  if (DESCRIPTIVE.test(word)) return 0;
  // a BEM modifier says which variant, not what the element is: `report__section--ads`
  const split = word
    .split('--')[0]!
    .split(/[-_:.]+/)
    .filter(Boolean);
  if (split.some((p) => CONTENT_PARTS.has(p))) return 0;
  let mark: 0 | 1 | 2 = 0;
  for (const p of split) {
    if (STRONG_PARTS.has(p)) return 2;
    if (WEAK_PARTS.has(p)) mark = 1;
  }
  const joined = split.join('');
  if (STRONG_PARTS.has(joined)) return 2;
  for (const a of AFFIXES) {
    if (joined.length > a.length && (joined.startsWith(a) || joined.endsWith(a))) {
      if (STRONG_AFFIXES.has(a)) return 2;
      mark = 1;
    }
  }
  return mark;
}

/**
 * Is `el` page furniture by its own marks (tag, role, class/id)? 2: furniture that never holds
 * the article (navigation, footers, comments, share bars); 1: furniture unless it holds most of
 * the page's text; 0: not furniture. `inArticle`: below `article` or `main`.
 */
export function furnitureMark(el: El, inArticle: boolean): 0 | 1 | 2 {
  if (el.tag === 'article' || el.tag === 'main' || el.tag === 'body') return 0;
  if (el.tag === 'nav' || el.tag === 'footer') return 2;
  if (FURNITURE_TAGS.has(el.tag)) return 1;
  if (el.tag === 'header' && !inArticle) return 1;
  if (el.role && FURNITURE_ROLES.has(el.role)) return el.role === 'navigation' || el.role === 'contentinfo' ? 2 : 1;
  let mark: 0 | 1 | 2 = 0;
  if (el.names) {
    for (const word of el.names.split(/\s+/)) {
      if (!word) continue;
      if (CONTENT_WORDS.has(word)) return 0;
      const m = wordMark(word);
      if (m > mark) mark = m;
    }
  }
  return mark;
}

const POSITIVE = /article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|beitrag|artikel|inhalt/;
const NEGATIVE =
  /-ad-|hidden|banner|combx|comment|com-|contact|foot|footer|footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget|teaser/;

/** Readability's class weight: +25 for a content-like class or id, −25 for a furniture-like one. */
export function classWeight(el: El): number {
  if (!el.names) return 0;
  let w = 0;
  if (NEGATIVE.test(el.names)) w -= 25;
  if (POSITIVE.test(el.names)) w += 25;
  return w;
}
