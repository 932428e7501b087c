/**
 * Main-content extraction from HTML: the text a reader of the page came for, one block per line
 * (headings, paragraphs, list items, code blocks, block quotes, table rows with ` | ` between
 * cells), without navigation, headers, footers, share bars, comments, related posts or cookie
 * banners. `html/main-content.ts` says how the article is found; `html/dom.ts` what is parsed.
 */
import type { JusTextOptions } from '../text/html/blocks.js';
import { parsePage } from '../text/html/dom.js';
import { mainContent } from './html/main-content.js';

export type HtmlOptions = JusTextOptions;

export const DEFAULT_HTML_OPTIONS: HtmlOptions = {
  lengthLow: 70,
  lengthHigh: 200,
  stopwordsLow: 0.3,
  stopwordsHigh: 0.32,
  maxLinkDensity: 0.2,
  maxHeadingDistance: 200,
};

/**
 * The main-content text of an HTML page, one block per line, its `<title>`, its language, and
 * whether it was nested too deep to read whole (`dom.ts`).
 */
export function extractMainText(
  html: string,
  opts: HtmlOptions = DEFAULT_HTML_OPTIONS,
): { text: string; title: string; language: string; truncated: boolean } {
  const page = parsePage(html);
  const { text, language } = mainContent(page, opts);
  return { text, title: page.title, language, truncated: page.truncated };
}
