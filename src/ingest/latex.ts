/**
 * LaTeX cleaning for arXiv sources, after RedPajama v1's `arxiv_cleaner.py` (also copied into
 * NeMo Curator and Data-Juicer), with its known bugs fixed (research/curation-anchors.md §3.7):
 *
 * 1. comments: `%` to end of line is removed, unless escaped (`\%`, but `\\%` is a line break
 *    followed by a comment); the character before `%` is kept (RedPajama ate it); a `%` at end of
 *    line is removed too (RedPajama's `.+` missed it); whole-line comments vanish with their
 *    newline; `comment` environments are dropped; `verbatim`/`lstlisting`/`\verb` are left alone.
 * 2. `\input`/`\include` are inlined (RedPajama concatenated every file in tar order instead).
 * 3. the preamble before the first `\part|\chapter|\section|\subsection|\subsubsection|\paragraph|
 *    \subparagraph` is dropped (RedPajama's regex missed a lone `\paragraph`); with no section at
 *    all, the text after `\begin{document}` is kept rather than the whole paper dropped.
 * 4. the bibliography is cut (`thebibliography`, `\bibliography{}`, `references`,
 *    `\printbibliography`), and anything after `\end{document}`.
 * 5. argument-less `\newcommand`, `\renewcommand`, `\providecommand` (starred or not, braced or
 *    bare name) and `\def` macros are expanded, nested ones too, with balanced-brace bodies
 *    spanning lines (RedPajama required the body to end the line and ignored `\renewcommand`).
 */

const VERBATIM_ENV = /\\begin\{(verbatim\*?|lstlisting|minted|Verbatim)\}[\s\S]*?\\end\{\1\}/g;

/** Removes `%` comments and `comment` environments, keeping verbatim material intact. */
export function stripComments(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(VERBATIM_ENV)) {
    out += stripCommentsPlain(text.slice(last, m.index));
    out += m[0];
    last = m.index + m[0].length;
  }
  out += stripCommentsPlain(text.slice(last));
  return out.replace(/\\begin\{comment\}[\s\S]*?\\end\{comment\}[ \t]*\n?/g, '');
}

function stripCommentsPlain(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    const at = commentStart(line);
    if (at < 0) kept.push(line);
    else if (line.slice(0, at).trim() !== '') kept.push(line.slice(0, at).trimEnd());
    // a line that is only a comment disappears with its newline
  }
  return kept.join('\n');
}

/** Index of the first unescaped `%` in a line, or -1; skips `\verb|…|` spans. */
function commentStart(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      if (line.startsWith('verb', i + 1) && !/[A-Za-z]/.test(line[i + 5] ?? 'a')) {
        const delim = line[i + 5] === '*' ? line[i + 6] : line[i + 5];
        const from = i + (line[i + 5] === '*' ? 7 : 6);
        const end = delim === undefined ? -1 : line.indexOf(delim, from);
        if (end >= 0) {
          i = end;
          continue;
        }
      }
      i += 1; // skip the escaped character, so `\%` and `\\` are consumed whole
      continue;
    }
    if (c === '%') return i;
  }
  return -1;
}

/** Reads a `{…}` group with balanced braces starting at `open`; returns its body and end index. */
function readGroup(text: string, open: number): { body: string; end: number } | undefined {
  if (text[open] !== '{') return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i += 1;
      continue;
    }
    if (c === '{') depth += 1;
    else if (c === '}') {
      depth -= 1;
      if (depth === 0) return { body: text.slice(open + 1, i), end: i + 1 };
    }
  }
  return undefined;
}

const DEFINITION = /\\(?:(?:re|provide)?newcommand\*?|def)\s*(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))\s*/g;

/** A macro definition found in the text: its span and, when argument-less, its name and body. */
interface Definition {
  start: number;
  end: number;
  name?: string;
  body?: string;
}

function findDefinitions(text: string): Definition[] {
  const defs: Definition[] = [];
  for (const m of text.matchAll(DEFINITION)) {
    const name = m[1] ?? m[2];
    const after = m.index + m[0].length;
    const group = readGroup(text, after);
    if (!group) continue; // arguments (`[1]`, `#1`) or a malformed definition: left as is
    defs.push({ start: m.index, end: group.end, name, body: group.body.includes('#') ? undefined : group.body });
  }
  return defs;
}

/** Argument-less macros defined anywhere in `texts`; later definitions win, as in LaTeX. */
export function collectMacros(texts: string[]): Map<string, string> {
  const macros = new Map<string, string>();
  for (const text of texts) {
    for (const d of findDefinitions(text)) if (d.name && d.body !== undefined) macros.set(d.name, d.body);
  }
  return macros;
}

/** Removes argument-less definitions from the text (they would otherwise print their body). */
export function removeDefinitions(text: string): string {
  let out = '';
  let last = 0;
  for (const d of findDefinitions(text)) {
    if (d.body === undefined || d.start < last) continue;
    out += text.slice(last, d.start);
    last = d.end;
  }
  return out + text.slice(last);
}

/** Replaces `\name` (not followed by a letter) with its body; repeats for nested macros. */
export function expandMacros(text: string, macros: Map<string, string>): string {
  if (macros.size === 0) return text;
  // `\name\ ` and `\name{}` are the usual ways to keep the space after a macro: both become a plain space
  const use = /\\([A-Za-z]+)(?![A-Za-z])(\\ |\{\})?/g;
  let current = text;
  for (let pass = 0; pass < 8; pass++) {
    let changed = false;
    const next = current.replace(use, (whole, name: string, spacer: string | undefined) => {
      const body = macros.get(name);
      if (body === undefined) return whole;
      changed = true;
      return spacer === '\\ ' ? `${body} ` : body;
    });
    if (!changed || next.length > text.length * 4 + 1_000_000) return next;
    current = next;
  }
  return current;
}

const SECTION = /\\(?:part|chapter|section|subsection|subsubsection|paragraph|subparagraph)\*?\s*(?:\[[^\]]*\]\s*)?\{/;

/** Drops everything before the first sectioning command (or, lacking one, `\begin{document}`). */
export function dropPreamble(text: string): string {
  const m = SECTION.exec(text);
  if (m) return text.slice(m.index);
  const begin = text.indexOf('\\begin{document}');
  return begin >= 0 ? text.slice(begin + '\\begin{document}'.length) : text;
}

const BIBLIOGRAPHY = /\\begin\{thebibliography\}|\\bibliography\s*\{|\\begin\{references\}|\\begin\{REFERENCES\}|\\printbibliography|\\end\{document\}/;

/** Cuts the bibliography and everything after it. */
export function cutBibliography(text: string): string {
  const m = BIBLIOGRAPHY.exec(text);
  let cut = m ? text.slice(0, m.index) : text;
  // `\bibliographystyle{…}` usually sits just before `\bibliography{…}`
  cut = cut.replace(/\\bibliographystyle\s*\{[^}]*\}\s*$/, '');
  return cut;
}

const INPUT = /\\(?:input|include|subfile)\s*(?:\{([^}]+)\}|([^\s{}\\]+))/g;

/**
 * Inlines `\input{x}` / `\include{x}` / `\input x` from `files` (paths relative to the paper root,
 * comments already stripped). Missing files are counted in `missing` and replaced by nothing.
 */
export function inlineInputs(text: string, files: Map<string, string>, missing: string[] = [], depth = 0, seen = new Set<string>()): string {
  if (depth > 12) return text;
  return text.replace(INPUT, (_whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare ?? '').trim().replace(/^\.\//, '');
    const key = files.has(name) ? name : files.has(`${name}.tex`) ? `${name}.tex` : undefined;
    if (key === undefined || seen.has(key)) {
      if (key === undefined) missing.push(name);
      return '';
    }
    const inner = inlineInputs(files.get(key)!, files, missing, depth + 1, new Set([...seen, key]));
    return `\n${inner}\n`;
  });
}

/** Collapses runs of blank lines and trailing spaces. */
export function tidyWhitespace(text: string): string {
  return text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface CleanResult {
  text: string;
  missingInputs: string[];
}

/**
 * Cleans a paper: `files` maps paths (relative to the paper root) to raw text; `main` names the
 * file holding `\documentclass`.
 */
export function cleanPaper(files: Map<string, string>, main: string): CleanResult {
  const stripped = new Map<string, string>();
  for (const [name, text] of files) stripped.set(name, stripComments(text.replace(/\r\n?/g, '\n')));
  const macros = collectMacros([...stripped.values()]);
  const missingInputs: string[] = [];
  const whole = inlineInputs(stripped.get(main) ?? '', stripped, missingInputs, 0, new Set([main]));
  const body = cutBibliography(dropPreamble(whole));
  return { text: tidyWhitespace(expandMacros(removeDefinitions(body), macros)), missingInputs };
}
