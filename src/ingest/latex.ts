/**
 * LaTeX cleaning for arXiv sources, after RedPajama v1's `arxiv_cleaner.py` (also copied into
 * NeMo Curator and Data-Juicer), keeping the whole paper where RedPajama lost parts of it
 * (the departures are listed in the README):
 *
 * 1. comments: `%` to end of line is removed, unless escaped (`\%`, but `\\%` is a line break
 *    followed by a comment); the character before `%` is kept (RedPajama ate it); whole-line
 *    comments vanish with their newline; `comment` environments are dropped;
 *    `verbatim`/`lstlisting`/`\verb` are left alone.
 * 2. `\input`/`\include`/`\subfile` are inlined, resolved as LaTeX resolves them: from the main
 *    file's folder, with or without `.tex` (RedPajama concatenated every file in tar order).
 * 3. the paper is what lies between `\begin{document}` and `\end{document}`, with its title and
 *    abstract first, as text (RedPajama dropped everything before the first `\section`: the
 *    abstract always, and the whole body of a letter without sections).
 * 4. the bibliography itself goes (`thebibliography`, `\bibliography{…}`, `\printbibliography`)
 *    and what follows it stays: appendices and supplements after the references are kept.
 * 5. user macros (`latex-macros.ts`) are expanded with their arguments, bounded.
 * 6. commands that are not text go (`\includegraphics`, `\label`, spacing, page breaks);
 *    `\cite…{…}` becomes `[cite]` and `\ref`-like references `[ref]`; `\caption{…}` keeps its text.
 */
import { collectMacros, expandMacros, readBracket, readGroup, removeDefinitions } from './latex-macros.js';

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

const INPUT =
  /\\(?:input|include|subfile)(?![A-Za-z])\s*(?:\{([^}]+)\}|([^\s{}\\%]+))|\\(sub)?(?:import|inputfrom|includefrom)\*?\s*\{([^}]*)\}\s*\{([^}]+)\}/g;

/**
 * Where LaTeX finds `\input{name}`: in the main file's folder (its working directory), then
 * beside the including file, then at the archive's top; with `.tex` added when missing.
 */
export function resolveInput(
  name: string,
  mainDir: string,
  fromDir: string,
  files: ReadonlyMap<string, string>,
): string | undefined {
  const clean = name.trim().replace(/^\.\//, '');
  for (const dir of [mainDir, fromDir, '']) {
    for (const candidate of [clean, `${clean}.tex`]) {
      const path = normalize(dir ? `${dir}/${candidate}` : candidate);
      if (files.has(path)) return path;
    }
  }
  return undefined;
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return parts.join('/');
}

const dirOf = (path: string): string => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/**
 * Inlines `\input{x}`, `\include{x}`, `\subfile{x}`, `\input x` and the import package's
 * `\import{dir/}{x}` / `\subimport{dir/}{x}` from `files` (paths from the
 * archive's top, comments already stripped), resolved from the main file's folder. A missing file
 * is listed in `missing` and replaced by nothing; an input that includes itself is not followed.
 */
export function inlineInputs(
  text: string,
  files: ReadonlyMap<string, string>,
  ctx: { main: string; missing: string[] },
  from = ctx.main,
  depth = 0,
  seen = new Set<string>([ctx.main]),
): string {
  if (depth > 12) return text;
  return text.replace(INPUT, (_whole, braced?: string, bare?: string, sub?: string, folder?: string, file?: string) => {
    // `\import{dir/}{file}` is from the main file's folder, `\subimport{dir/}{file}` from the including file's
    const name =
      file !== undefined
        ? `${(folder ?? '').trim().replace(/\/?$/, '/')}${file.trim()}`
        : (braced ?? bare ?? '').trim();
    const key = sub
      ? resolveInput(name, dirOf(from), dirOf(from), files)
      : resolveInput(name, dirOf(ctx.main), dirOf(from), files);
    if (key === undefined) {
      ctx.missing.push(name);
      return '';
    }
    if (seen.has(key)) return '';
    return `\n${inlineInputs(files.get(key)!, files, ctx, key, depth + 1, new Set([...seen, key]))}\n`;
  });
}

/**
 * Rewrites every `\name*[…]{a}…` use of the commands in `names`, optional `[…]` arguments
 * skipped: with `f`, into `f(a)` (a use without its `{a}` is left as written); without, removed
 * with up to `args` braced arguments.
 */
function rewriteCommands(text: string, names: string, args: number, f?: (arg: string) => string): string {
  const re = new RegExp(`\\\\(?:${names})\\*?(?![A-Za-z])`, 'g');
  let out = '';
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index < last) continue;
    let i = m.index + m[0].length;
    for (let opt = readBracket(text, skipBlank(text, i)); opt; opt = readBracket(text, skipBlank(text, i))) i = opt.end;
    const bodies: string[] = [];
    for (let k = 0; k < args; k++) {
      const g = readGroup(text, skipBlank(text, i));
      if (!g) break;
      bodies.push(g.body);
      i = g.end;
    }
    if (f && bodies.length < args) continue;
    out += text.slice(last, m.index) + (f ? f(bodies[0]!) : '');
    last = i;
  }
  return out + text.slice(last);
}

const removeCommands = (text: string, names: string, args: number): string => rewriteCommands(text, names, args);
const replaceCommand = (text: string, names: string, f: (arg: string) => string): string =>
  rewriteCommands(text, names, 1, f);

function skipBlank(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n') i++;
  return i;
}

/** The paper's title and abstract, as text, from anywhere in it (revtex puts them before `\begin{document}`). */
export function frontMatter(text: string): { title?: string; abstract?: string } {
  const front: { title?: string; abstract?: string } = {};
  const t = /\\title\s*(?:\[[^\]]*\]\s*)?\{/.exec(text);
  if (t) {
    const g = readGroup(text, t.index + t[0].length - 1);
    if (g)
      front.title = g.body
        .replace(/\\\\(\[[^\]]*\])?|\\thanks\{[^}]*\}/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
  }
  const a = /\\begin\{abstract\}([\s\S]*?)\\end\{abstract\}/.exec(text);
  if (a) front.abstract = a[1]!.trim();
  else {
    const m = /\\abstract\s*\{/.exec(text);
    const g = m ? readGroup(text, m.index + m[0].length - 1) : undefined;
    if (g) front.abstract = g.body.trim();
  }
  return front;
}

/** The document body: between `\begin{document}` and `\end{document}` (all of it when they are missing). */
export function documentBody(text: string): string {
  const begin = text.indexOf('\\begin{document}');
  const from = begin >= 0 ? begin + '\\begin{document}'.length : 0;
  const end = text.indexOf('\\end{document}', from);
  return text.slice(from, end >= 0 ? end : text.length);
}

/** Removes the bibliography itself and only it; what follows it (appendices, supplements) stays. */
export function removeBibliography(text: string): string {
  let out = text.replace(/\\begin\{(thebibliography|references|REFERENCES)\}[\s\S]*?\\end\{\1\}/g, '');
  out = removeCommands(out, 'bibliography|bibliographystyle|addbibresource|nocite', 1);
  return removeCommands(out, 'printbibliography', 0);
}

/** Front-matter commands whose text is metadata (authors, affiliations) or already placed first. */
const FRONT_COMMANDS =
  'title|author|affiliation|affil|address|email|thanks|date|keywords|pacs|institute|orcid|altaffiliation|correspondingauthor|icmlauthor|icmlaffiliation|icmlcorrespondingauthor|icmltitle|icmlkeywords';
/** Commands that print nothing a reader reads as text. */
const DROP_WITH_ARG =
  'label|vspace|hspace|includegraphics|includepdf|input|bibliographystyle|setlength|addtolength|setcounter|addtocounter|pagestyle|thispagestyle|graphicspath|hypersetup|newtheorem|theoremstyle|numberwithin|captionsetup|definecolor|renewenvironment|newenvironment|usepackage|documentclass';
const DROP_BARE =
  /\\(?:maketitle|newpage|clearpage|cleardoublepage|pagebreak|linebreak|centering|raggedright|raggedleft|noindent|indent|smallskip|medskip|bigskip|vfill|hfill|tableofcontents|listoffigures|listoftables|FloatBarrier|balance|appendix|onecolumngrid|twocolumngrid|protect|leavevmode|nopagebreak|sloppy|par)(?![A-Za-z])\*?|\\(?:vskip|hskip)\s*-?[\d.]+\s*(?:pt|em|ex|cm|mm|in|bp)(?:\s*plus\s*[\d.]+\s*\w+)?(?:\s*minus\s*[\d.]+\s*\w+)?/g;

/** Commands that are not text removed; references become neutral markers; captions keep their text. */
export function dropNonText(text: string): string {
  let out = removeCommands(text, DROP_WITH_ARG, 1);
  out = removeCommands(out, FRONT_COMMANDS, 1);
  out = out.replace(/\\begin\{abstract\}[\s\S]*?\\end\{abstract\}/g, '');
  out = replaceCommand(
    out,
    '[Cc]ite[tp]?|citealp|citealt|citeauthor|citeyear|parencite|textcite|autocite|footcite|citenum',
    () => '[cite]',
  );
  out = replaceCommand(out, 'ref|eqref|autoref|cref|Cref|pageref|nameref|vref|Vref', () => '[ref]');
  out = replaceCommand(out, 'caption|subcaption', (body) => `\n${body.trim()}\n`);
  return out.replace(DROP_BARE, '');
}

/** Collapses runs of blank lines and trailing spaces. */
export function tidyWhitespace(text: string): string {
  return text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface CleanOptions {
  /** Put the title and the abstract first, as text. */
  frontMatter: boolean;
}

export interface CleanResult {
  text: string;
  missingInputs: string[];
}

/**
 * Cleans a paper: `files` maps paths (from the archive's top) to raw text, `.sty` files included
 * for their macros; `main` names the file holding `\documentclass`.
 */
export function cleanPaper(
  files: ReadonlyMap<string, string>,
  main: string,
  opts: CleanOptions = { frontMatter: true },
): CleanResult {
  const stripped = new Map<string, string>();
  for (const [name, text] of files) stripped.set(name, stripComments(text.replace(/\r\n?/g, '\n')));
  const missingInputs: string[] = [];
  const whole = inlineInputs(stripped.get(main) ?? '', stripped, { main, missing: missingInputs });
  const styles = [...stripped.entries()].filter(([n]) => /\.sty$/i.test(n)).map(([, t]) => t);
  const macros = collectMacros([...styles, whole]);
  const expanded = expandMacros(removeDefinitions(whole), macros);
  const front = opts.frontMatter ? frontMatter(expanded) : {};
  const body = dropNonText(removeBibliography(documentBody(expanded)));
  const head = [front.title, front.abstract]
    .filter((s): s is string => !!s)
    .map(dropNonText)
    .join('\n\n');
  return { text: tidyWhitespace(head ? `${head}\n\n${body}` : body), missingInputs };
}
