#!/usr/bin/env node
// Builds corpus/handbook.warc.gz, the demo's bulk text: the HTML pages of "The Debian
// Administrator's Handbook" (GPL-2.0+ or CC-BY-SA-3.0, see corpus/LICENSE), as a crawl
// of debian-handbook.info would hold them: the English book and a few chapters in German, French
// and Spanish, one gzip member per WARC record.
//
//   apt-get download debian-handbook && dpkg -x debian-handbook_*.deb /tmp/handbook
//   node scripts/make-demo-corpus.mjs /tmp/handbook/usr/share/doc/debian-handbook/html
//
// The pages are taken in sorted order and the record dates are fixed, so the file is the same
// bytes for the same package version (11.20220922 built the committed one).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/make-demo-corpus.mjs DEBIAN_HANDBOOK_HTML_DIR');
  process.exit(1);
}
/** Every English page, and this many pages (the first in sorted order) of each other language. */
const others = { 'de-DE': 6, 'fr-FR': 6, 'es-ES': 6 };

function warcRecord(type, headers, block) {
  const head = [
    `WARC/1.0`,
    `WARC-Type: ${type}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${block.length}`,
  ].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), block, Buffer.from('\r\n\r\n')]);
}
const date = '2022-09-22T00:00:00Z';
const records = [
  warcRecord(
    'warcinfo',
    {
      'WARC-Date': date,
      'WARC-Record-ID': '<urn:uuid:00000000-0000-4000-8000-000000000000>',
      'Content-Type': 'application/warc-fields',
    },
    Buffer.from('software: moe make-demo-corpus\r\nformat: WARC File Format 1.0\r\n'),
  ),
];
let n = 0;
for (const [lang, limit] of [['en-US', Infinity], ...Object.entries(others)]) {
  const pages = readdirSync(join(root, lang))
    .filter((f) => f.endsWith('.html'))
    .sort()
    .slice(0, limit);
  for (const page of pages) {
    const html = readFileSync(join(root, lang, page));
    const http = Buffer.concat([
      Buffer.from(
        `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${html.length}\r\n\r\n`,
      ),
      html,
    ]);
    n++;
    const id = `<urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}>`;
    records.push(
      warcRecord(
        'response',
        {
          'WARC-Target-URI': `https://debian-handbook.info/browse/${lang}/stable/${page}`,
          'WARC-Date': date,
          'WARC-Record-ID': id,
          'Content-Type': 'application/http; msgtype=response',
        },
        http,
      ),
    );
  }
}
const out = new URL('../corpus/', import.meta.url);
mkdirSync(out, { recursive: true });
const warc = Buffer.concat(records.map((r) => gzipSync(r, { level: 9 })));
writeFileSync(new URL('handbook.warc.gz', out), warc);
console.log(`corpus/handbook.warc.gz: ${n} pages, ${warc.length} bytes`);
