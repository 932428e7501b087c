/**
 * What an extensionless file in a source tree is, from its first bytes: a script whose `#!` line
 * names its interpreter (the language as GitHub's linguist and go-enry decide it: the
 * interpreter's name, after `env` and its options, without a version suffix), or a binary file
 * (a NUL byte, or the signature of a common binary format).
 */

/** Interpreter → language (the names of `languages.ts`). */
const INTERPRETERS: Record<string, string> = {
  python: 'Python',
  pypy: 'Python',
  sh: 'Shell',
  bash: 'Shell',
  zsh: 'Shell',
  ksh: 'Shell',
  dash: 'Shell',
  ash: 'Shell',
  mksh: 'Shell',
  fish: 'Shell',
  node: 'JavaScript',
  nodejs: 'JavaScript',
  deno: 'TypeScript',
  bun: 'JavaScript',
  'ts-node': 'TypeScript',
  tsx: 'TypeScript',
  perl: 'Perl',
  ruby: 'Ruby',
  jruby: 'Ruby',
  php: 'PHP',
  lua: 'Lua',
  luajit: 'Lua',
  rscript: 'R',
  tclsh: 'Tcl',
  wish: 'Tcl',
  awk: 'Awk',
  gawk: 'Awk',
  mawk: 'Awk',
  nawk: 'Awk',
  julia: 'Julia',
  groovy: 'Groovy',
  scala: 'Scala',
  elixir: 'Elixir',
  escript: 'Erlang',
  runhaskell: 'Haskell',
  runghc: 'Haskell',
  ocaml: 'OCaml',
  make: 'Makefile',
  sed: 'sed',
  pwsh: 'PowerShell',
  crystal: 'Crystal',
  dart: 'Dart',
  swift: 'Swift',
  kotlin: 'Kotlin',
  guile: 'Scheme',
  racket: 'Racket',
  sbcl: 'Common Lisp',
  clojure: 'Clojure',
  nim: 'Nim',
};

/** The interpreter named by a `#!` line: `/usr/bin/env -S python3 -u` → `python3`. */
export function interpreterOf(line: string): string | undefined {
  if (!line.startsWith('#!')) return undefined;
  const words = line.slice(2).trim().split(/\s+/).filter(Boolean);
  let i = 0;
  const base = (w: string): string => w.slice(w.lastIndexOf('/') + 1);
  if (words[0] && base(words[0]) === 'env') {
    i = 1;
    // env's options (-S, -i, -u NAME) and NAME=value assignments come before the program
    while (i < words.length && (words[i]!.startsWith('-') || words[i]!.includes('='))) i += words[i] === '-u' ? 2 : 1;
  }
  return words[i] ? base(words[i]!) : undefined;
}

/** The language of a script from its `#!` line, or undefined. */
export function shebangLanguage(head: Uint8Array): string | undefined {
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  let end = head.indexOf(0x0a);
  if (end < 0) end = head.length;
  const interpreter = interpreterOf(Buffer.from(head.subarray(0, end)).toString('latin1').replace(/\r$/, ''));
  if (!interpreter) return undefined;
  const name = interpreter
    .toLowerCase()
    .replace(/[\d.]+$/, '')
    .replace(/-$/, '');
  return INTERPRETERS[name];
}

const SIGNATURES: number[][] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0xff, 0xd8, 0xff], // JPEG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0x7f, 0x45, 0x4c, 0x46], // ELF (.so, executables)
  [0x50, 0x4b, 0x03, 0x04], // ZIP (jar, wheel, docx)
  [0x25, 0x50, 0x44, 0x46], // PDF
  [0x1f, 0x8b], // gzip
  [0xcf, 0xfa, 0xed, 0xfe], // Mach-O
  [0x4d, 0x5a], // PE (.exe, .dll)
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
  [0x42, 0x5a, 0x68], // bzip2
  [0xfd, 0x37, 0x7a, 0x58, 0x5a], // xz
  [0x00, 0x61, 0x73, 0x6d], // WebAssembly
  [0x52, 0x49, 0x46, 0x46], // RIFF (wav, webp, avi)
];

/** True when the bytes are a binary file's: a NUL byte or a known binary signature. */
export function looksBinary(head: Uint8Array): boolean {
  if (head.includes(0)) return true;
  return SIGNATURES.some((sig) => sig.every((b, i) => head[i] === b));
}
