#!/usr/bin/env node
// Builds the binary fixtures (arXiv archives, WARC/WET/JSONL crawls and broken files) from the
// texts below. Deterministic: gzip headers carry no time stamp and tar entries have mtime 0, so
// running it again reproduces the committed bytes. Needs the `zstd` command for the .zst files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const root = new URL('../fixtures/', import.meta.url).pathname;
const gz = (data) => gzipSync(Buffer.from(data), { level: 9 });
const put = (rel, data) => {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), data);
};

async function tarball(files) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve) => pack.on('end', resolve));
  for (const [name, text] of files) {
    pack.entry({ name, mtime: new Date(0), mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' }, Buffer.from(text));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------- arXiv
const mainTex = String.raw`\documentclass[11pt]{article}
\usepackage{amsmath}
% Preamble macros: argument-less ones must be expanded in the text.
\newcommand{\method}{DeepSeekMoE}
\newcommand*{\Nexp}{N_r}
\def\eg{e.g.,}
\renewcommand{\vec}{\mathbf}
\newcommand{\norm}[1]{\lVert #1 \rVert}
\title{Fine-Grained Experts for Language Models}
\author{A. Researcher}
\begin{document}
\maketitle
\begin{abstract}
This preamble abstract is dropped by the RedPajama cleaning rules.
\end{abstract}

\section{Introduction}
Mixture-of-Experts layers let \method\ grow its parameter count without growing the compute
per token. % an inline comment that must disappear
We route each token to the top $K$ of \Nexp\ routed experts, \eg a softmax router.
A discount of 50\% is not a comment, and neither is 100\%.
%A full-line comment that must disappear, newline included.
\input{sections/method}
\include{sections/results}

\paragraph{Limitations}
Routing collapse remains possible without a balancing loss.

\bibliographystyle{plain}
\bibliography{refs}
\end{document}
`;
const methodTex = String.raw`\section{Method}
Each \method\ layer has shared experts that every token uses, and routed experts chosen by
the gate.% comment right after a word
\begin{equation}
  y = \sum_{i} g_i \, \mathrm{FFN}_i(x)
\end{equation}
\begin{comment}
This commented-out paragraph must not appear.
\end{comment}
`;
const resultsTex = String.raw`\section{Results}
With 16 experts and top-2 routing, validation perplexity improves by 4.2 points.
`;
const refsBib = `@article{shazeer2017, title={Outrageously Large Neural Networks}, year={2017}}\n`;
put(
  'arxiv/2401.06066.tar.gz',
  gz(
    await tarball([
      ['main.tex', mainTex],
      ['sections/method.tex', methodTex],
      ['sections/results.tex', resultsTex],
      ['refs.bib', refsBib],
    ]),
  ),
);

// an old-style arXiv id, gzipped single .tex, written in Latin-1 (not UTF-8)
const oldTex =
  String.raw`\documentstyle{article}
\def\bra{\langle}
\begin{document}
\section{Introduction}
We study the Schr` +
  '\u00f6' +
  String.raw`dinger equation on a lattice with \bra x| states; the na` +
  '\u00ef' +
  String.raw`ve
approach diverges.
\begin{thebibliography}{9}
\bibitem{a} P. Author, Nucl. Phys. B (1998).
\end{thebibliography}
\end{document}
`;
put('arxiv/hep-th9901001.gz', gz(Buffer.from(oldTex, 'latin1')));

// ---------------------------------------------------------------- web
function warcRecord(type, headers, block) {
  const body = Buffer.isBuffer(block) ? block : Buffer.from(block, 'utf8');
  const head = [
    `WARC/1.0`,
    `WARC-Type: ${type}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${body.length}`,
  ].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body, Buffer.from('\r\n\r\n')]);
}
const http = (contentType, body) => {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\nContent-Length: ${b.length}\r\n\r\n`),
    b,
  ]);
};

const articlePage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>How sparse experts scale | ML Notes</title>
<style>body { font-family: sans-serif; } .nav { color: red; }</style>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}</script>
</head><body>
<header class="site-header"><a href="/">ML Notes</a> <a href="/about">About</a> <a href="/rss">RSS</a></header>
<nav class="menu"><ul><li><a href="/topics">Topics</a></li><li><a href="/archive">Archive</a></li></ul></nav>
<div id="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<main><article>
<h1>How sparse experts scale</h1>
<p>Mixture-of-experts models replace the dense feed-forward block with many smaller experts, and a router sends each token to only a few of them. The total number of parameters grows, but the compute spent on each token stays almost the same.</p>
<p>In practice the hard part is balance. If the router sends most tokens to the same two experts, the others never learn, and the layer behaves like a much smaller dense model. An auxiliary loss that rewards an even spread of tokens is the usual remedy.</p>
<h2>What to measure</h2>
<ul>
<li>the fraction of tokens each expert receives in every layer, logged at each step;</li>
<li>the auxiliary loss and the router's z-loss, which should stay small and stable;</li>
</ul>
<pre><code>for step in range(steps):
    loss = model(batch) + aux_coef * aux_loss
    loss.backward()</code></pre>
<table><tr><th>Experts</th><th>Top-k</th><th>Perplexity</th></tr><tr><td>8</td><td>2</td><td>12.4</td></tr><tr><td>64</td><td>6</td><td>10.9</td></tr></table>
<p>The table above shows that finer-grained experts lower perplexity at the same compute, which is the central claim of the DeepSeekMoE paper and the reason most recent models adopt it.</p>
</article></main>
<aside class="sidebar"><h3>Related posts</h3><a href="/p/1">Dense is dead?</a></aside>
<footer><p>Copyright 2026 ML Notes. All rights reserved. Privacy policy. Terms of use.</p></footer>
<script src="/analytics.js"></script>
</body></html>`;

// declared as windows-1252 in the HTTP header: the bytes are not UTF-8
const latinPage = Buffer.from(
  `<html><head><title>Caf\u00e9 notes</title></head><body>
<div class="content"><p>Le caf\u00e9 de la gare ouvre \u00e0 six heures et ferme tard le soir. Les voyageurs y prennent un petit d\u00e9jeuner avant le premier train, et les habitants du quartier y viennent lire le journal.</p>
<p>Le patron, qui tient la maison depuis trente ans, conna\u00eet tous les horaires par c\x9cur et donne volontiers des conseils sur les correspondances.</p></div>
<div class="footer"><a href="/">Accueil</a> | <a href="/contact">Contact</a></div>
</body></html>`,
  'latin1',
);

const chinesePage = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>专家混合模型</title></head><body>
<nav><a href="/">首页</a><a href="/news">新闻</a></nav>
<div class="article"><p>混合专家模型把前馈网络拆分成许多较小的专家，每个词元只激活其中少数几个专家，因此参数总量可以很大，而每个词元的计算量基本不变。</p>
<p>训练时需要让各个专家的负载保持均衡，否则部分专家得不到训练，模型的效果就会变差。</p></div>
</body></html>`;

const navOnlyPage = `<html><head><title>Index</title></head><body><ul>
<li><a href="/a">Home</a></li><li><a href="/b">Products</a></li><li><a href="/c">Login</a></li></ul></body></html>`;

const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const date = '2026-10-12T08:30:00Z';
const rid = (n) => `<urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}>`;
const records = [
  warcRecord(
    'warcinfo',
    { 'WARC-Date': date, 'WARC-Record-ID': rid(1), 'Content-Type': 'application/warc-fields' },
    'software: moe-fixtures\r\nformat: WARC File Format 1.0\r\n',
  ),
  warcRecord(
    'request',
    {
      'WARC-Target-URI': 'https://mlnotes.example/sparse-experts',
      'WARC-Date': date,
      'WARC-Record-ID': rid(2),
      'Content-Type': 'application/http; msgtype=request',
    },
    'GET /sparse-experts HTTP/1.1\r\nHost: mlnotes.example\r\n\r\n',
  ),
  warcRecord(
    'response',
    {
      'WARC-Target-URI': 'https://mlnotes.example/sparse-experts',
      'WARC-Date': date,
      'WARC-Record-ID': rid(3),
      'Content-Type': 'application/http; msgtype=response',
    },
    http('text/html; charset=utf-8', articlePage),
  ),
  warcRecord(
    'response',
    {
      'WARC-Target-URI': 'https://cafe.example/notes',
      'WARC-Date': date,
      'WARC-Record-ID': rid(4),
      'Content-Type': 'application/http; msgtype=response',
    },
    http('text/html; charset=windows-1252', latinPage),
  ),
  warcRecord(
    'response',
    {
      'WARC-Target-URI': 'https://zh.example/moe',
      'WARC-Date': date,
      'WARC-Record-ID': rid(5),
      'Content-Type': 'application/http; msgtype=response',
    },
    http('text/html', chinesePage),
  ),
  warcRecord(
    'response',
    {
      'WARC-Target-URI': 'https://mlnotes.example/logo.png',
      'WARC-Date': date,
      'WARC-Record-ID': rid(6),
      'Content-Type': 'application/http; msgtype=response',
    },
    http('image/png', png),
  ),
  warcRecord(
    'response',
    {
      'WARC-Target-URI': 'https://shop.example/',
      'WARC-Date': date,
      'WARC-Record-ID': rid(7),
      'Content-Type': 'application/http; msgtype=response',
    },
    http('text/html', navOnlyPage),
  ),
  warcRecord(
    'metadata',
    {
      'WARC-Target-URI': 'https://mlnotes.example/sparse-experts',
      'WARC-Date': date,
      'WARC-Record-ID': rid(8),
      'Content-Type': 'application/warc-fields',
    },
    'fetchTimeMs: 120\r\n',
  ),
];
const warcGz = Buffer.concat(records.map(gz)); // one gzip member per record, as Common Crawl writes
put('web/crawl.warc.gz', warcGz);

const wet = [
  warcRecord(
    'warcinfo',
    { 'WARC-Date': date, 'WARC-Record-ID': rid(11), 'Content-Type': 'application/warc-fields' },
    'software: moe-fixtures\r\n',
  ),
  warcRecord(
    'conversion',
    {
      'WARC-Target-URI': 'https://news.example/storm',
      'WARC-Date': date,
      'WARC-Record-ID': rid(12),
      'WARC-Refers-To': rid(3),
      'Content-Type': 'text/plain',
    },
    'Storm closes coastal roads\nHeavy rain and strong winds closed several coastal roads on Tuesday, and the ferry service was suspended until the weather improves.\nResidents were asked to avoid travel where possible.',
  ),
  warcRecord(
    'conversion',
    {
      'WARC-Target-URI': 'https://recipes.example/bread',
      'WARC-Date': date,
      'WARC-Record-ID': rid(13),
      'Content-Type': 'text/plain',
    },
    'Simple sourdough bread\nMix the flour, water and starter, rest the dough for an hour, then fold it every thirty minutes for two hours before shaping.',
  ),
];
put('web/crawl.warc.wet.gz', Buffer.concat(wet.map(gz)));

const jsonl = `${[
  {
    id: 'a1',
    text: 'The committee approved the budget for the new library after a long debate about opening hours.',
    url: 'https://town.example/library',
    metadata: { lang_hint: 'en' },
  },
  {
    id: 'a2',
    text: 'Die Bibliothek bleibt am Sonntag geschlossen, öffnet aber am Montag schon um acht Uhr.',
    url: 'https://stadt.example/bibliothek',
  },
  { id: 'a3', text: 'Библиотека открыта каждый день, кроме воскресенья, с девяти утра до семи вечера.' },
  { id: 'a4', text: '   ' },
  { id: 'a5', text: 'Emoji and exotic spaces survive ingestion: \u{1F600}\u00a0\u2009\u200b done.' },
]
  .map((o) => JSON.stringify(o))
  .join('\n')}\n`;
put('web/docs.jsonl.gz', gz(jsonl));
put('web/docs.jsonl.zst', execFileSync('zstd', ['-q', '-c', '-19', '--no-check'], { input: Buffer.from(jsonl) }));

// ---------------------------------------------------------------- broken inputs
put('broken/truncated.warc.gz', warcGz.subarray(0, Math.floor(warcGz.length * 0.6)));
put(
  'broken/malformed.warc',
  Buffer.concat([
    Buffer.from('WARC/1.0\r\nWARC-Type response\r\nContent-Length: abc\r\n\r\ngarbage\r\n\r\n'),
    records[2],
  ]),
);
put('broken/truncated.jsonl.gz', gz(jsonl).subarray(0, 60));
put(
  'broken/bad-utf8.jsonl',
  Buffer.concat([
    Buffer.from('{"text": "A valid first line that is kept."}\n'),
    Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]),
    Buffer.from('{"text": "A valid third line that is kept too."}\nnot json at all\n'),
  ]),
);
put('broken/empty.warc.gz', Buffer.alloc(0));
put(
  'broken/corrupt.jsonl.zst',
  Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from('this is not a zstd frame at all, just text')]),
);
const paper = gz(
  await tarball([
    ['main.tex', mainTex],
    ['sections/method.tex', methodTex],
  ]),
);
put('broken/2402.00002.tar.gz', paper.subarray(0, Math.floor(paper.length / 2)));
// ---------------------------------------------------------------- quality: junk to rank below clean prose
// boilerplate (menus, footers, cookie notices), keyword spam and garbled text (character
// noise, mojibake, word salad built from the clean training prose), from a seeded generator
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const cleanWords = (await import('node:fs'))
  .readFileSync(join(root, 'quality/clean-train.txt'), 'utf8')
  .split(/\s+/)
  .filter(Boolean);
const MENU = [
  'Home',
  'About us',
  'Contact',
  'Login',
  'Sign up',
  'Cart (0)',
  'FAQ',
  'Privacy Policy',
  'Terms of Service',
  'Sitemap',
  'Blog',
  'Careers',
  'Shop',
  'Help',
  'Search',
  'My account',
  'Wishlist',
  'Newsletter',
];
const FOOTER = [
  'Copyright © 2024 Example Corp. All rights reserved.',
  'We use cookies to improve your experience. Accept all cookies?',
  'Follow us on Facebook, Twitter and Instagram',
  'Subscribe to our newsletter for exclusive deals',
  'Click here to read more',
  'Powered by WordPress',
  'Back to top',
  'Share this page',
  'Previous post | Next post',
  'Leave a comment',
];
const SPAM = [
  'cheap',
  'best',
  'price',
  'buy now',
  'discount',
  'free shipping',
  'online',
  'casino',
  'bonus',
  'win',
  'pills',
  'loans',
  'fast',
  'guaranteed',
  'click',
  'offer',
  'deal',
  'lawyer near me',
  'replica watches',
  'crypto',
  'earn money',
  'work from home',
  '100% free',
  'limited time',
];
const MOJIBAKE = ['Ã©', 'Ã¨', 'â€™', 'â€œ', 'Ã¼', 'Ã¶', 'Â ', 'Ã ', 'ï¿½', 'â€"'];
function junkDocs(seed, n) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const docs = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    const parts = [];
    if (kind === 0) for (let j = 0; j < 30 + r() * 30; j++) parts.push(pick(MENU));
    else if (kind === 1) for (let j = 0; j < 6 + r() * 6; j++) parts.push(pick(FOOTER), pick(MENU));
    else if (kind === 2) for (let j = 0; j < 40 + r() * 40; j++) parts.push(pick(SPAM));
    else if (kind === 3) {
      for (let j = 0; j < 40 + r() * 40; j++) {
        let w = '';
        for (let k = 0; k < 2 + r() * 8; k++)
          w += r() < 0.15 ? pick(MOJIBAKE) : String.fromCharCode(97 + Math.floor(r() * 26));
        parts.push(w);
      }
    } else for (let j = 0; j < 60 + r() * 40; j++) parts.push(pick(cleanWords).toLowerCase());
    docs.push(parts.join(kind < 2 ? ' | ' : ' '));
  }
  return `${docs.join('\n\n')}\n`;
}
put('quality/junk-train.txt', junkDocs(1, 30));
put('quality/junk-heldout.txt', junkDocs(2, 15));
console.log('fixtures written under', root);
