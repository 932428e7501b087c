import { describe, expect, it } from 'vitest';
import {
  cleanPaper,
  documentBody,
  dropNonText,
  frontMatter,
  inlineInputs,
  removeBibliography,
  stripComments,
} from '../../../src/ingest/latex.js';
import { collectMacros, expandMacros, removeDefinitions } from '../../../src/ingest/latex-macros.js';

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
    expect(stripComments('\\begin{verbatim}\n50% kept\n\\end{verbatim}')).toBe(
      '\\begin{verbatim}\n50% kept\n\\end{verbatim}',
    );
    expect(stripComments('see \\verb|a%b| here % gone')).toBe('see \\verb|a%b| here');
  });
});

describe('macros', () => {
  const defs = [
    '\\newcommand{\\method}{DeepSeekMoE}',
    '\\newcommand*{\\Nexp}{N_r}',
    '\\def\\eg{e.g.,}',
    '\\newcommand{\\norm}[1]{\\lVert #1 \\rVert}',
    '\\def\\pair#1#2{(#1,#2)}',
    '\\newcommand{\\nested}{\\method{} v2}',
    '\\newcommand{\\tf}[2][t]{f_{#1}(#2)}',
    '\\DeclareMathOperator{\\softmax}{softmax}',
    '\\DeclareMathOperator*{\\argmax}{arg\\,max}',
    '\\providecommand\\braces{\\textbf{bold {deep}}}',
  ].join('\n');
  const macros = collectMacros([defs]);

  it('expands argument-less macros, keeping the space of \\name\\ and \\name{}', () => {
    expect(expandMacros('\\method\\ is \\eg fast; \\methodology stays', macros)).toBe(
      'DeepSeekMoE is e.g., fast; \\methodology stays',
    );
    expect(expandMacros('\\nested', macros)).toBe('DeepSeekMoE v2');
    expect(expandMacros('\\braces', macros)).toBe('\\textbf{bold {deep}}');
  });

  it('expands macros with arguments: braced, single tokens, optional defaults, \\def parameters', () => {
    expect(expandMacros('$\\norm{x+y}$ and $\\norm x$', macros)).toBe('$\\lVert x+y \\rVert$ and $\\lVert x \\rVert$');
    expect(expandMacros('\\pair{a}{b}', macros)).toBe('(a,b)');
    expect(expandMacros('\\tf{x} and \\tf[s]{y}', macros)).toBe('f_{t}(x) and f_{s}(y)');
    expect(expandMacros('\\norm{\\norm{v}}', macros)).toBe('\\lVert \\lVert v \\rVert \\rVert');
  });

  it('expands xparse commands (mandatory and a leading optional argument) and \\let aliases', () => {
    const m = collectMacros([
      '\\NewDocumentCommand{\\abs}{m}{\\lvert #1 \\rvert}\\NewDocumentCommand\\pr{O{P} m}{#1(#2)}\\let\\eps\\varepsilon\\let\\phi=\\varphi',
    ]);
    expect(expandMacros('$\\abs{x} \\pr{A} \\pr[Q]{B} \\eps \\phi$', m)).toBe(
      '$\\lvert x \\rvert P(A) Q(B) \\varepsilon \\varphi$',
    );
    // an argument specification it does not read is left as written, not guessed
    expect(collectMacros(['\\NewDocumentCommand{\\f}{s m}{#2}']).has('f')).toBe(false);
  });

  it('turns \\DeclareMathOperator names into \\operatorname', () => {
    expect(expandMacros('$\\softmax(z)$, $\\argmax_i$', macros)).toBe(
      '$\\operatorname{softmax}(z)$, $\\operatorname*{arg\\,max}_i$',
    );
  });

  it('lets a later definition win and removes every definition from the text', () => {
    expect(collectMacros(['\\newcommand{\\x}{one}', '\\renewcommand{\\x}{two}']).get('x')?.body).toBe('two');
    expect(removeDefinitions(`${defs}\nText.`).trim()).toBe('Text.');
  });

  it('leaves structural commands redefined by a style file alone', () => {
    const m = collectMacros(['\\renewcommand\\section{\\@startsection{section}{1}{0pt}}']);
    expect(m.has('section')).toBe(false);
  });

  it('stops a hostile source: self-reference and exponential growth end within the bounds', () => {
    const loop = collectMacros(['\\newcommand{\\a}{x\\a}']);
    const out = expandMacros('\\a', loop);
    expect(out.startsWith('xxxxxxxxxx')).toBe(true);
    expect(out.length).toBeLessThan(100);
    const bomb = collectMacros([
      '\\newcommand{\\b}{\\c\\c\\c\\c\\c\\c\\c\\c}\\newcommand{\\c}{\\b\\b\\b\\b\\b\\b\\b\\b}',
    ]);
    const t0 = Date.now();
    const big = expandMacros('\\b '.repeat(1000), bomb);
    expect(big.length).toBeLessThan(4 * 4000 + 1_100_000);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('document body, bibliography and non-text commands', () => {
  it('takes the title and the abstract as text, wherever they are', () => {
    expect(
      frontMatter('\\title[Short]{A Long\\\\ Title\\thanks{x}}\n\\begin{abstract}\nWe show.\n\\end{abstract}'),
    ).toEqual({ title: 'A Long Title', abstract: 'We show.' });
    expect(frontMatter('\\abstract{Letter abstract.}')).toEqual({ abstract: 'Letter abstract.' });
  });

  it('keeps the body between \\begin{document} and \\end{document}', () => {
    expect(documentBody('\\usepackage{x}\n\\begin{document}\nBody.\n\\end{document}\ntrailing junk')).toBe('\nBody.\n');
    expect(documentBody('No document environment.')).toBe('No document environment.');
  });

  it('removes the bibliography itself and keeps what follows it', () => {
    expect(
      removeBibliography('text\n\\bibliographystyle{plain}\n\\bibliography{refs}\n\\appendix\n\\section{Proofs} after'),
    ).toBe('text\n\n\n\\appendix\n\\section{Proofs} after');
    expect(removeBibliography('text\\begin{thebibliography}{9}\\bibitem{a}A\\end{thebibliography} supplement')).toBe(
      'text supplement',
    );
    expect(removeBibliography('text\n\\printbibliography[heading=none]\nmore')).toBe('text\n\nmore');
  });

  it('removes figures, labels and spacing, marks citations and references, keeps captions', () => {
    const src =
      'See \\cite{a,b} and \\citep[p.~2]{c}; Fig.~\\ref{fig:x}, Eq.~\\eqref{e}.\\vspace{2mm}\n\\includegraphics[width=0.99\\linewidth]{figures/f.pdf}\n\\caption[short]{The {loss} curve.}\\label{fig:x}\\centering';
    expect(dropNonText(src)).toBe('See [cite] and [cite]; Fig.~[ref], Eq.~[ref].\n\n\nThe {loss} curve.\n');
  });
});

describe('inlineInputs and cleanPaper', () => {
  it("resolves \\input, \\include and \\subfile from the main file's folder, with or without .tex", () => {
    const files = new Map([
      ['paper/main.tex', 'A \\input{sec/one} B \\include{two.tex} C \\subfile{missing} \\includegraphics{fig}'],
      ['paper/sec/one.tex', 'ONE \\input{sec/deeper}'],
      ['paper/sec/deeper.tex', 'DEEP'],
      ['paper/two.tex', 'TWO'],
      ['fig.tex', 'NOT AN INPUT'],
    ]);
    const missing: string[] = [];
    expect(
      inlineInputs(files.get('paper/main.tex')!, files, { main: 'paper/main.tex', missing }).replace(/\s+/g, ' '),
    ).toBe('A ONE DEEP B TWO C \\includegraphics{fig}');
    expect(missing).toEqual(['missing']);
  });

  it("follows the import package: \\import from the main file's folder, \\subimport from the including file's", () => {
    const files = new Map([
      ['main.tex', 'A \\import{chapters/}{one} B'],
      ['chapters/one.tex', 'ONE \\subimport{parts/}{two}'],
      ['chapters/parts/two.tex', 'TWO'],
    ]);
    expect(inlineInputs(files.get('main.tex')!, files, { main: 'main.tex', missing: [] }).replace(/\s+/g, ' ')).toBe(
      'A ONE TWO B',
    );
  });

  it('does not loop on a file that inputs itself', () => {
    const files = new Map([['a.tex', 'A \\input{a}']]);
    expect(inlineInputs('\\input{a}', files, { main: 'main.tex', missing: [] }).trim()).toBe('A');
  });

  it('cleans a whole paper: title, abstract, comments, macros with arguments, inputs, bibliography, appendix', () => {
    const files = new Map([
      [
        'main.tex',
        '\\documentclass{article}\n\\input{macros}\n\\title{Routing}\n\\begin{document}\n\\maketitle\n\\begin{abstract}\nWe route.\n\\end{abstract}\n\\section{Intro}\n\\ours\\ works on $\\E{x}$. % note\n\\input{body}\n\\bibliography{refs}\n\\appendix\n\\section{Proof}\nBy \\cite{k}.\n\\end{document}\n',
      ],
      ['macros.tex', '\\newcommand{\\ours}{RouteNet}\n\\newcommand{\\E}[1]{\\mathbb{E}[#1]}\n'],
      ['body.tex', '%only a comment\nMore about \\ours{} here.\n'],
    ]);
    const { text } = cleanPaper(files, 'main.tex');
    expect(text).toBe(
      'Routing\n\nWe route.\n\n\\section{Intro}\nRouteNet works on $\\mathbb{E}[x]$.\n\nMore about RouteNet here.\n\n\\section{Proof}\nBy [cite].',
    );
    expect(cleanPaper(files, 'main.tex', { frontMatter: false }).text.startsWith('\\section{Intro}')).toBe(true);
  });
});
