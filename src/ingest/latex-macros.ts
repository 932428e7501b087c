/**
 * User macros of a LaTeX paper, found where papers define them (the main file, `\input` macro
 * files, the archive's own `.sty` files) and expanded with their arguments:
 *
 * - `\newcommand`, `\renewcommand`, `\providecommand` (starred or not, `{\name}` or `\name`),
 *   with `[n]` arguments and an optional first argument's `[default]`;
 * - `\def\name#1#2{…}` with undelimited parameters (a delimited `\def`, `\def\a#1.{…}`, is left
 *   as written);
 * - `\DeclareMathOperator{\name}{text}` (and `*`), which becomes `\operatorname{text}`;
 * - `\NewDocumentCommand` and its siblings with mandatory arguments (`m`) and one leading
 *   optional one (`o`, `O{default}`); other argument specifications are left as written;
 * - `\let\name\other` (an alias).
 *
 * An argument is a `{…}` group or a single token, as TeX reads it. Expansion is bounded so a
 * hostile source cannot hang or blow up: at most `MAX_PASSES` rounds (nested macros), at most
 * `MAX_EXPANSIONS` uses expanded in all, and output at most `MAX_GROWTH` times the input plus
 * 1 MB; past a bound the rest is left as written.
 */

export interface Macro {
  /** Number of parameters (0–9). */
  params: number;
  /** Default of the optional first parameter, when it has one. */
  optional?: string;
  body: string;
}

const MAX_PASSES = 10;
const MAX_EXPANSIONS = 200_000;
const MAX_GROWTH = 4;

/** Reads a `{…}` group with balanced braces at `open`; its body and the index after it. */
export function readGroup(text: string, open: number): { body: string; end: number } | undefined {
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

/** Reads `[…]` at `open` (braces inside may hold `]`). */
export function readBracket(text: string, open: number): { body: string; end: number } | undefined {
  if (text[open] !== '[') return undefined;
  let depth = 0;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i += 1;
      continue;
    }
    if (c === '{') depth += 1;
    else if (c === '}') depth -= 1;
    else if (c === ']' && depth === 0) return { body: text.slice(open + 1, i), end: i + 1 };
  }
  return undefined;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n')) i++;
  return i;
}

/** One TeX argument at `i`: a group's body, a control sequence, or one character. */
function readArgument(text: string, i: number): { body: string; end: number } | undefined {
  const at = skipSpace(text, i);
  if (at >= text.length) return undefined;
  if (text[at] === '{') return readGroup(text, at);
  if (text[at] === '}') return undefined;
  if (text[at] === '\\') {
    const m = /^\\(?:[A-Za-z]+|.)/s.exec(text.slice(at, at + 64));
    return m ? { body: m[0], end: at + m[0].length } : undefined;
  }
  return { body: text[at]!, end: at + 1 };
}

/** A definition in the text: its span, and the macro when it can be expanded. */
export interface Definition {
  start: number;
  end: number;
  name: string;
  macro?: Macro;
}

const DEFINITION =
  /\\(?:(?:re)?newcommand\*?|providecommand\*?|DeclareRobustCommand\*?|def|let|DeclareMathOperator(\*?)|(?:New|Renew|Provide|Declare)DocumentCommand)(?![A-Za-z])\s*/g;

function readName(text: string, at: number): { name: string; end: number } | undefined {
  const braced = /^\{\s*\\([A-Za-z@]+)\s*\}/.exec(text.slice(at, at + 200));
  if (braced) return { name: braced[1]!, end: at + braced[0].length };
  const bare = /^\\([A-Za-z@]+)/.exec(text.slice(at, at + 200));
  return bare ? { name: bare[1]!, end: at + bare[0].length } : undefined;
}

/** Every macro definition in `text`, in order. */
export function findDefinitions(text: string): Definition[] {
  const defs: Definition[] = [];
  for (const m of text.matchAll(DEFINITION)) {
    const start = m.index;
    const named = readName(text, start + m[0].length);
    if (!named) continue;
    let i = skipSpace(text, named.end);
    const kind = m[0];
    if (kind.startsWith('\\DeclareMathOperator')) {
      const g = readGroup(text, i);
      if (g)
        defs.push({
          start,
          end: g.end,
          name: named.name,
          macro: { params: 0, body: `\\operatorname${m[1] ? '*' : ''}{${g.body}}` },
        });
      continue;
    }
    if (kind.startsWith('\\let')) {
      // `\let\eps\varepsilon`, `\let\eps=\varepsilon`: an alias
      const target = /^=?\s*(\\(?:[A-Za-z@]+|.))/.exec(text.slice(i, i + 100));
      if (target)
        defs.push({ start, end: i + target[0].length, name: named.name, macro: { params: 0, body: target[1]! } });
      continue;
    }
    if (kind.includes('DocumentCommand')) {
      // xparse: mandatory arguments (`m`), and one leading optional one (`o`, `O{default}`)
      const spec = readGroup(text, i);
      if (!spec) continue;
      const body = readGroup(text, skipSpace(text, spec.end));
      if (!body) continue;
      const m = /^\s*(?:(o)|O\s*\{([^{}]*)\})?((?:\s*m)*)\s*$/.exec(spec.body);
      const params = m ? (m[1] !== undefined || m[2] !== undefined ? 1 : 0) + m[3]!.replace(/\s+/g, '').length : -1;
      const optional = m && (m[1] !== undefined || m[2] !== undefined) ? (m[2] ?? '') : undefined;
      defs.push({
        start,
        end: body.end,
        name: named.name,
        ...(params >= 0 ? { macro: { params, ...(optional !== undefined ? { optional } : {}), body: body.body } } : {}),
      });
      continue;
    }
    if (kind.startsWith('\\def')) {
      // parameter text up to the body's brace: `#1#2` only (anything else is a delimited \def)
      const brace = text.indexOf('{', i);
      if (brace < 0) continue;
      const paramText = text.slice(i, brace);
      const g = readGroup(text, brace);
      if (!g) continue;
      const undelimited = /^(#[1-9])*$/.test(paramText.replace(/\s+/g, ''));
      const params = undelimited ? paramText.replace(/\s+/g, '').length / 2 : -1;
      defs.push({ start, end: g.end, name: named.name, ...(params >= 0 ? { macro: { params, body: g.body } } : {}) });
      continue;
    }
    let params = 0;
    let optional: string | undefined;
    const count = readBracket(text, i);
    if (count) {
      params = Number.parseInt(count.body.trim(), 10);
      if (!(params >= 0 && params <= 9)) continue;
      i = skipSpace(text, count.end);
      const dflt = readBracket(text, i);
      if (dflt) {
        optional = dflt.body;
        i = skipSpace(text, dflt.end);
      }
    }
    const g = readGroup(text, i);
    if (!g) continue;
    defs.push({
      start,
      end: g.end,
      name: named.name,
      macro: { params, ...(optional !== undefined ? { optional } : {}), body: g.body },
    });
  }
  return defs;
}

/**
 * Commands whose redefinition (a class file's `\renewcommand\section{\@startsection…}`) is
 * layout, not text: they stay as written, so the paper keeps its structure and its markers.
 */
const STRUCTURAL = new Set([
  'part',
  'chapter',
  'section',
  'subsection',
  'subsubsection',
  'paragraph',
  'subparagraph',
  'begin',
  'end',
  'item',
  'caption',
  'label',
  'ref',
  'eqref',
  'cite',
  'title',
  'author',
  'maketitle',
  'input',
  'include',
  'footnote',
  'emph',
  'textbf',
  'textit',
  'url',
  'href',
  'appendix',
  'bibliography',
  'includegraphics',
  'par',
  'def',
  'newcommand',
]);

/** Macros defined in `texts`, in order: a later definition wins, as in LaTeX (`\providecommand` aside). */
export function collectMacros(texts: string[]): Map<string, Macro> {
  const macros = new Map<string, Macro>();
  for (const text of texts)
    for (const d of findDefinitions(text)) if (d.macro && !STRUCTURAL.has(d.name)) macros.set(d.name, d.macro);
  return macros;
}

/** The text without its macro definitions (they would otherwise print their bodies). */
export function removeDefinitions(text: string): string {
  let out = '';
  let last = 0;
  for (const d of findDefinitions(text)) {
    if (d.start < last) continue;
    out += text.slice(last, d.start);
    last = d.end;
  }
  return out + text.slice(last);
}

/** `#1`…`#9` of the body replaced by the arguments; `##` is a literal `#`. */
function substitute(body: string, args: string[]): string {
  return body.replace(/##|#([1-9])/g, (_whole, k: string | undefined) => (k ? (args[Number(k) - 1] ?? '') : '#'));
}

const USE = /\\([A-Za-z@]+)/g;

/** Expands the macros' uses in `text`, nested ones too, within the bounds above. */
export function expandMacros(text: string, macros: Map<string, Macro>): string {
  if (macros.size === 0) return text;
  const limit = text.length * MAX_GROWTH + 1_000_000;
  let budget = MAX_EXPANSIONS;
  let current = text;
  for (let pass = 0; pass < MAX_PASSES && budget > 0; pass++) {
    let out = '';
    let last = 0;
    let changed = false;
    USE.lastIndex = 0;
    for (let m = USE.exec(current); m; m = USE.exec(current)) {
      const macro = macros.get(m[1]!);
      if (!macro || budget <= 0) continue;
      let i = m.index + m[0].length;
      const args: string[] = [];
      let ok = true;
      if (macro.optional !== undefined) {
        const at = skipSpace(current, i);
        const opt = readBracket(current, at);
        args.push(opt ? opt.body : macro.optional);
        if (opt) i = opt.end;
      }
      while (args.length < macro.params) {
        const a = readArgument(current, i);
        if (!a) {
          ok = false;
          break;
        }
        args.push(a.body);
        i = a.end;
      }
      if (!ok) continue;
      // `\name\ ` and `\name{}` keep the space after an argument-less macro
      let replacement = args.length > 0 || macro.body.includes('#') ? substitute(macro.body, args) : macro.body;
      if (macro.params === 0) {
        if (current.startsWith('{}', i)) i += 2;
        else if (current.startsWith('\\ ', i)) {
          i += 2;
          replacement += ' ';
        }
      }
      out += current.slice(last, m.index) + replacement;
      last = i;
      USE.lastIndex = i;
      changed = true;
      budget -= 1;
      if (out.length > limit) return out + current.slice(last);
    }
    if (!changed) return current;
    current = out + current.slice(last);
  }
  return current;
}
