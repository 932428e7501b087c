/**
 * A small document tree for main-content extraction, built in one pass of htmlparser2 (a
 * maintained, forgiving streaming parser that decodes entities and closes implied tags).
 *
 * What never holds text a reader sees is left out while parsing: scripts, styles, templates,
 * embedded media, form controls, the `<title>` (kept apart), and elements hidden by `hidden`, `aria-hidden` or an
 * inline `display: none`. Everything else is kept, with each element's class and id (for the
 * boilerplate and content patterns) and its `role`; the extractor decides the rest.
 */
import { Parser } from 'htmlparser2';

/** An element: its tag, its class and id (lower-cased, one string), and its children. */
export interface El {
  tag: string;
  parent: El | undefined;
  kids: Array<El | string>;
  /** `class` and `id` attribute values, lower-cased, space-separated. */
  names: string;
  role: string;
  /** Visible characters below, whitespace runs counted as one (filled by `measure`). */
  chars: number;
  /** Of those, the characters inside links. */
  linkChars: number;
}

export interface Page {
  body: El;
  title: string;
  /** The `lang` of `<html>` (or `<body>`), lower-cased; '' when none. */
  lang: string;
  /** The page nested elements past `MAX_OPEN`; only what came before was read. */
  truncated: boolean;
}

/** Subtrees dropped at parse time: nothing in them is text a reader sees. */
const SKIP = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'canvas',
  'button',
  'select',
  'textarea',
  'input',
  'option',
  'title',
  'map',
  'audio',
  'video',
  'picture',
  'source',
  'img',
  'link',
  'meta',
  'base',
]);
/**
 * Deepest element kept; deeper tags are read as if absent (their text goes to the element at this
 * depth), as Chromium's HTML parser caps its tree at 512 levels. A hostile page of 100,000 nested
 * `<div>`s would otherwise exhaust the stack of every walk over the tree.
 */
export const MAX_DEPTH = 512;
/**
 * Open elements (kept or not) past which the rest of the page is not read: htmlparser2's time
 * grows with the square of the nesting (100,000 unclosed `<div>`s: 13 s), so a page nested this
 * deep is kept as far as it was read, and marked `truncated`.
 */
const MAX_OPEN = 5_000;
const CHUNK = 16_384;
const HIDDEN_STYLE = /(?:display\s*:\s*none|visibility\s*:\s*hidden)/i;

function isHidden(attrs: Record<string, string>): boolean {
  if ('hidden' in attrs) return true;
  if (attrs['aria-hidden'] === 'true') return true;
  const style = attrs.style;
  return style !== undefined && HIDDEN_STYLE.test(style);
}

function element(tag: string, parent: El | undefined, attrs: Record<string, string>): El {
  const cls = attrs.class;
  const id = attrs.id;
  const names = cls && id ? `${cls} ${id}`.toLowerCase() : (cls ?? id ?? '').toLowerCase();
  return { tag, parent, kids: [], names, role: attrs.role ?? '', chars: 0, linkChars: 0 };
}

/** Parses HTML into a tree rooted at `<body>` (everything outside it is hung under it too). */
export function parsePage(html: string): Page {
  const body = element('body', undefined, {});
  let current = body;
  let skipDepth = 0;
  let inTitle = false;
  let title = '';
  let lang = '';
  let sawBody = false;
  let depth = 0;
  let overflow = 0;
  let truncated = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'title') inTitle = true;
        if (skipDepth > 0 || SKIP.has(name) || isHidden(attrs)) {
          skipDepth += 1;
          return;
        }
        // `<head>` is transparent: pages that never close it (browsers close it at the first
        // content) would otherwise lose their whole body; its own children are skipped above
        if (name === 'head') return;
        if (name === 'html' || (name === 'body' && !sawBody)) {
          if (!lang && attrs.lang) lang = attrs.lang.trim().toLowerCase();
          if (name === 'body') {
            sawBody = true;
            const own = element('body', undefined, attrs);
            body.names = own.names;
          }
          return;
        }
        if (depth >= MAX_DEPTH) {
          overflow += 1;
          if (depth + overflow > MAX_OPEN) truncated = true;
          return;
        }
        const el = element(name, current, attrs);
        current.kids.push(el);
        current = el;
        depth += 1;
      },
      ontext(data) {
        if (inTitle) title += data;
        if (skipDepth > 0) return;
        current.kids.push(data);
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (skipDepth > 0) {
          skipDepth -= 1;
          return;
        }
        if (name === 'html' || name === 'body' || name === 'head') return;
        if (overflow > 0) {
          overflow -= 1;
          return;
        }
        // htmlparser2 closes implied elements itself, so `current` is the element being closed
        if (current.parent) {
          current = current.parent;
          depth -= 1;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  for (let at = 0; at < html.length && !truncated; at += CHUNK) parser.write(html.slice(at, at + CHUNK));
  parser.end();
  measure(body, false);
  return { body, title: title.replace(/\s+/g, ' ').trim(), lang, truncated };
}

/** Visible characters of a text node, each whitespace run counted once. */
export function visibleLength(text: string): number {
  let n = 0;
  let space = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ws = c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 0xa0;
    if (!ws) n += 1;
    else if (!space) n += 1;
    space = ws;
  }
  return n;
}

/** Fills `chars` and `linkChars` of every element below `el` (inclusive). */
function measure(el: El, inLink: boolean): void {
  const link = inLink || el.tag === 'a';
  let chars = 0;
  let linkChars = 0;
  for (const k of el.kids) {
    if (typeof k === 'string') {
      const n = visibleLength(k);
      chars += n;
      if (link) linkChars += n;
    } else {
      measure(k, link);
      chars += k.chars;
      linkChars += k.linkChars;
    }
  }
  el.chars = chars;
  el.linkChars = linkChars;
}
