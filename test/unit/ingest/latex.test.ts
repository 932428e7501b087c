import { describe, expect, it } from 'vitest';
import { cleanPaper, collectMacros, cutBibliography, dropPreamble, expandMacros, inlineInputs, stripComments } from '../../../src/ingest/latex.js';

describe('stripComments', () => {
  it('removes an inline comment and keeps the character before % (RedPajama ate it)', () => {
    expect(stripComments('value x% comment')).toBe('value x');
  });
  it('keeps escaped \\% and removes a comment after a \\\\ line break', () => {
    expect(stripComments('50\\% off')).toBe('50\\% off');
    expect(stripComments('a \\\\% comment')).toBe('a \\\\');
  });
  it('removes a % at the end of a line (RedPajama missed it)', () => {
    expect(stripComments('word%\nnext')).toBe('word\nnext');
  });
  it('drops full-line comments with their newline', () => {
    expect(stripComments('a\n% whole line\n  %indented\nb')).toBe('a\nb');
  });
  it('drops comment environments and leaves verbatim and \\verb alone', () => {
    expect(stripComments('a\n\\begin{comment}\nhidden\n\\end{comment}\nb')).toBe('a\nb');
    expect(stripComments('\\begin{verbatim}\n50% kept\n\\end{verbatim}')).toBe('\\begin{verbatim}\n50% kept\n\\end{verbatim}');
    expect(stripComments('see \\verb|a%b| here % gone')).toBe('see \\verb|a%b| here');
  });
});

describe('macros', () => {
  const defs = [
    '\\newcommand{\\method}{DeepSeekMoE}',
    '\\newcommand*{\\Nexp}{N_r}',
    '\\renewcommand\\vect{\\mathbf}',
    '\\def\\eg{e.g.,}',
    '\\newcommand{\\norm}[1]{\\lVert #1 \\rVert}',
    '\\def\\pair#1#2{(#1,#2)}',
    '\\newcommand{\\nested}{\\method{} v2}',
    '\\newcommand{\\braces}{\\textbf{bold {deep}}}',
  ].join('\n');
  const macros = collectMacros([defs]);

  it('collects argument-less \\newcommand, \\newcommand*, \\renewcommand and \\def, not ones with arguments', () => {
    expect([...macros.keys()].sort()).toEqual(['Nexp', 'braces', 'eg', 'method', 'nested', 'vect']);
    expect(macros.get('braces')).toBe('\\textbf{bold {deep}}');
  });
  it('expands macros, nested ones too, and only whole names', () => {
    expect(expandMacros('\\method\\ is \\eg fast; \\methodology stays', macros)).toBe('DeepSeekMoE is e.g., fast; \\methodology stays');
    expect(expandMacros('\\nested', macros)).toBe('DeepSeekMoE v2');
  });
  it('lets a later definition win, as LaTeX does', () => {
    expect(collectMacros(['\\newcommand{\\x}{one}', '\\renewcommand{\\x}{two}']).get('x')).toBe('two');
  });
});

describe('preamble and bibliography', () => {
  it('drops text before the first section, including a lone \\paragraph (RedPajama regex bug)', () => {
    expect(dropPreamble('\\title{T}\n\\begin{document}\nabstract\n\\paragraph{First} text')).toBe('\\paragraph{First} text');
    expect(dropPreamble('pre\n\\section*[short]{Intro} body')).toBe('\\section*[short]{Intro} body');
  });
  it('keeps the body after \\begin{document} when there is no section at all', () => {
    expect(dropPreamble('\\documentclass{article}\n\\begin{document}\nOnly text.')).toBe('\nOnly text.');
  });
  it('cuts the bibliography in each of its forms', () => {
    expect(cutBibliography('text\n\\bibliographystyle{plain}\n\\bibliography{refs}\nafter')).toBe('text\n');
    expect(cutBibliography('text\n\\begin{thebibliography}{9}\\bibitem{a}A\\end{thebibliography}')).toBe('text\n');
    expect(cutBibliography('text\n\\printbibliography\n')).toBe('text\n');
    expect(cutBibliography('text\n\\end{document}\ntrailing junk')).toBe('text\n');
  });
});

describe('inlineInputs and cleanPaper', () => {
  it('inlines \\input and \\include with or without .tex, and records missing files', () => {
    const files = new Map([
      ['main.tex', 'A \\input{sec/one} B \\include{two.tex} C \\input{missing}'],
      ['sec/one.tex', 'ONE \\input{sec/deeper}'],
      ['sec/deeper.tex', 'DEEP'],
      ['two.tex', 'TWO'],
    ]);
    const missing: string[] = [];
    expect(inlineInputs(files.get('main.tex')!, files, missing).replace(/\s+/g, ' ')).toBe('A ONE DEEP B TWO C ');
    expect(missing).toEqual(['missing']);
  });
  it('does not loop on a file that inputs itself', () => {
    const files = new Map([['a.tex', 'A \\input{a}']]);
    expect(inlineInputs('\\input{a}', files).trim()).toBe('A');
  });
  it('cleans a whole paper: preamble, comments, macros, inputs and bibliography', () => {
    const files = new Map([
      ['main.tex', '\\documentclass{article}\n\\newcommand{\\ours}{RouteNet}\n\\begin{document}\nAbstract.\n\\section{Intro}\n\\ours\\ works. % note\n\\input{body}\n\\bibliography{refs}\n\\end{document}\n'],
      ['body.tex', '%only a comment\nMore about \\ours{} here.\n'],
    ]);
    const { text } = cleanPaper(files, 'main.tex');
    expect(text).toBe('\\section{Intro}\nRouteNet works.\n\nMore about RouteNet here.');
  });
});
