/**
 * Programming language from a file's extension or name, covering the languages of The Stack
 * (BigCode) and GitHub linguist's most common ones. Files whose language is unknown are not
 * ingested as code.
 */

const BY_EXTENSION: Record<string, string> = {
  py: 'Python', pyi: 'Python', pyw: 'Python',
  js: 'JavaScript', mjs: 'JavaScript', cjs: 'JavaScript', jsx: 'JavaScript',
  ts: 'TypeScript', tsx: 'TypeScript', mts: 'TypeScript', cts: 'TypeScript',
  java: 'Java', kt: 'Kotlin', kts: 'Kotlin', scala: 'Scala', sc: 'Scala', groovy: 'Groovy', gradle: 'Groovy',
  c: 'C', h: 'C', cc: 'C++', cpp: 'C++', cxx: 'C++', 'c++': 'C++', hpp: 'C++', hh: 'C++', hxx: 'C++', ipp: 'C++',
  cs: 'C#', fs: 'F#', fsx: 'F#', vb: 'Visual Basic',
  go: 'Go', rs: 'Rust', swift: 'Swift', m: 'Objective-C', mm: 'Objective-C++',
  rb: 'Ruby', php: 'PHP', pl: 'Perl', pm: 'Perl', lua: 'Lua', r: 'R', jl: 'Julia',
  sh: 'Shell', bash: 'Shell', zsh: 'Shell', fish: 'Shell', ps1: 'PowerShell', psm1: 'PowerShell', bat: 'Batchfile', cmd: 'Batchfile',
  hs: 'Haskell', lhs: 'Haskell', ml: 'OCaml', mli: 'OCaml', ex: 'Elixir', exs: 'Elixir', erl: 'Erlang', hrl: 'Erlang',
  clj: 'Clojure', cljs: 'Clojure', cljc: 'Clojure', lisp: 'Common Lisp', lsp: 'Common Lisp', el: 'Emacs Lisp', scm: 'Scheme', rkt: 'Racket',
  dart: 'Dart', zig: 'Zig', nim: 'Nim', d: 'D', f: 'Fortran', f90: 'Fortran', f95: 'Fortran', for: 'Fortran',
  pas: 'Pascal', ada: 'Ada', adb: 'Ada', ads: 'Ada', cob: 'COBOL', asm: 'Assembly', s: 'Assembly',
  v: 'Verilog', sv: 'SystemVerilog', vhd: 'VHDL', vhdl: 'VHDL', sol: 'Solidity', cu: 'CUDA', cuh: 'CUDA',
  sql: 'SQL', html: 'HTML', htm: 'HTML', xhtml: 'HTML', css: 'CSS', scss: 'SCSS', sass: 'Sass', less: 'Less',
  vue: 'Vue', svelte: 'Svelte', xml: 'XML', xsl: 'XSLT', svg: 'SVG',
  json: 'JSON', jsonl: 'JSON', yaml: 'YAML', yml: 'YAML', toml: 'TOML', ini: 'INI', cfg: 'INI', csv: 'CSV', tsv: 'TSV',
  md: 'Markdown', markdown: 'Markdown', rst: 'reStructuredText', tex: 'TeX', sty: 'TeX', cls: 'TeX', bib: 'BibTeX',
  proto: 'Protocol Buffer', thrift: 'Thrift', graphql: 'GraphQL', gql: 'GraphQL',
  cmake: 'CMake', mk: 'Makefile', nix: 'Nix', tf: 'HCL', hcl: 'HCL', dockerfile: 'Dockerfile',
  ipynb: 'Jupyter Notebook', awk: 'Awk', sed: 'sed', tcl: 'Tcl', vim: 'Vim Script', coffee: 'CoffeeScript',
  elm: 'Elm', purs: 'PureScript', cr: 'Crystal', hx: 'Haxe', pro: 'Prolog', mat: 'MATLAB',
};

const BY_NAME: Record<string, string> = {
  Makefile: 'Makefile', makefile: 'Makefile', GNUmakefile: 'Makefile', Dockerfile: 'Dockerfile',
  'CMakeLists.txt': 'CMake', Rakefile: 'Ruby', Gemfile: 'Ruby', Vagrantfile: 'Ruby', Jenkinsfile: 'Groovy',
  BUILD: 'Starlark', 'BUILD.bazel': 'Starlark', WORKSPACE: 'Starlark', 'meson.build': 'Meson',
};

/** Languages known by extension or file name, for `--help` and tests. */
export const KNOWN_LANGUAGES = new Set([...Object.values(BY_EXTENSION), ...Object.values(BY_NAME)]);

/**
 * The language of a file, from its base name; undefined when unknown. `extra` maps extra
 * extensions (without the dot) to languages, from the config.
 */
export function languageOf(fileName: string, extra: Record<string, string> = {}): string | undefined {
  const byName = BY_NAME[fileName];
  if (byName) return byName;
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = fileName.slice(dot + 1);
  return extra[ext] ?? BY_EXTENSION[ext] ?? BY_EXTENSION[ext.toLowerCase()];
}
