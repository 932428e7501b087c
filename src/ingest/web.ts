/**
 * Web ingestion: WARC `response` records with an HTML payload become one document each (main
 * content via `html.ts`, charset from the HTTP header, then `<meta>`, then UTF-8 / windows-1252
 * sniffing); WET `conversion` records become documents as they are; JSONL / JSONL.gz /
 * JSONL.zst lines become documents from a configurable text field. Other record types
 * (warcinfo, request, metadata, revisit) are counted and skipped, as in datatrove's WarcReader.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Doc } from '../core/doc.js';
import { reasonOf } from '../core/errors.js';
import type { StageStats } from '../core/stats.js';
import { decodeUtf8, openBytes, splitBoundedLines } from '../io/compress.js';
import { type WarcRecord, parseHttpResponse, readWarc } from '../io/warc.js';
import { decodeWindows1252, decodeWithLabel } from '../text/encoding.js';
import { type HtmlOptions, extractMainText } from './html.js';

export type WebFormat = 'warc' | 'wet' | 'jsonl';

export interface WebUnit {
  kind: 'web';
  path: string;
  id: string;
  format: WebFormat;
  size: number;
}

export interface WebOptions {
  /** JSONL field holding the text; dotted paths reach nested fields. */
  textField: string;
  html: HtmlOptions;
  /** Largest HTML payload extracted, in bytes; larger ones are skipped (and counted). */
  maxHtmlBytes: number;
  /** Longest JSONL line read, in bytes; longer ones are skipped as they stream, reported and counted. */
  maxLineBytes: number;
}

/** Errors listed per file before the rest are only counted. */
const MAX_LISTED_ERRORS = 20;

function errorSink(path: string, stats: StageStats): (reason: string) => void {
  let listed = 0;
  return (reason) => {
    if (listed++ < MAX_LISTED_ERRORS) stats.error(path, reason);
    else stats.count('errors');
  };
}

const HTML_TYPE = /^(text\/html|application\/xhtml\+xml)\b/i;

function mimeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function charsetOf(contentType: string | undefined): string | undefined {
  return /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
}

function metaCharset(head: Buffer): string | undefined {
  const s = head.toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(s)?.[1];
}

/** Decodes an HTML body with the declared charset, else strict UTF-8, else windows-1252. */
export function decodeHtml(body: Buffer, headerCharset: string | undefined): { text: string; charset: string } {
  for (const label of [headerCharset, metaCharset(body.subarray(0, 4096))]) {
    if (!label) continue;
    const decoded = decodeWithLabel(body, label);
    if (decoded && decoded.encoding !== 'utf-8') return { text: decoded.text, charset: decoded.encoding };
    if (decoded) break; // declared UTF-8: decoded strictly below, with a fallback for mislabelled pages
  }
  try {
    return { text: decodeUtf8(body), charset: 'utf-8' };
  } catch {
    return { text: decodeWindows1252(body), charset: 'windows-1252' };
  }
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(pos, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Room for a response's HTTP headers in a WARC block, over `maxHtmlBytes`. */
const BLOCK_SLACK = 1 << 16;

/** The page bytes of an HTTP body: de-chunked and decompressed, at most `max` bytes (or a RangeError). */
function decodeBody(body: Buffer, headers: Map<string, string>, max: number): Buffer {
  let b = body;
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) b = dechunk(b);
  const enc = (headers.get('content-encoding') ?? '').toLowerCase();
  // a compressed body is decompressed only up to the HTML limit: a small record cannot bomb memory
  const limit = { maxOutputLength: max + 1 };
  if (enc === 'gzip' || enc === 'x-gzip') b = gunzipSync(b, limit);
  else if (enc === 'deflate') b = inflateSync(b, limit);
  else if (enc === 'br') b = brotliDecompressSync(b, limit);
  return b;
}

function recordMetadata(r: WarcRecord): Doc['metadata'] {
  const meta: Doc['metadata'] = {};
  const url = r.headers.get('warc-target-uri');
  if (url) meta.url = url.replace(/^<|>$/g, '');
  const id = r.headers.get('warc-record-id');
  if (id) meta.warc_record_id = id;
  const date = r.headers.get('warc-date');
  if (date) meta.date = date;
  return meta;
}

/** Documents of one WARC or WET file. */
async function* warcDocs(unit: WebUnit, opts: WebOptions, stats: StageStats): AsyncGenerator<Doc> {
  const onError = errorSink(unit.path, stats);
  let n = 0;
  // a block can hold HTTP headers besides the page: a little room over the HTML limit
  for await (const r of readWarc(openBytes(unit.path), onError, opts.maxHtmlBytes + BLOCK_SLACK)) {
    const type = (r.headers.get('warc-type') ?? '').toLowerCase();
    const position = n++;
    if (r.oversize !== undefined) {
      stats.count('skipped.html_too_large');
      continue;
    }
    if (type === 'conversion') {
      let text: string;
      try {
        text = decodeUtf8(r.block);
      } catch {
        onError(`record at offset ${r.offset}: conversion record is not valid UTF-8`);
        continue;
      }
      const meta = recordMetadata(r);
      meta.content_type = mimeOf(r.headers.get('warc-identified-content-type') ?? r.headers.get('content-type'));
      if (text.trim()) yield { id: `${unit.id}#${position}`, text, source: 'web', metadata: meta };
      else stats.count('skipped.empty');
      continue;
    }
    if (type !== 'response') {
      stats.count(`skipped.warc_${type || 'untyped'}`);
      continue;
    }
    const http = parseHttpResponse(r.block);
    if (!http) {
      stats.count('skipped.not_http');
      continue;
    }
    const mime = mimeOf(http.headers.get('content-type'));
    const sniffHtml = mime === '' && /^\s*(<!doctype html|<html)/i.test(http.body.subarray(0, 512).toString('latin1'));
    if (!HTML_TYPE.test(mime) && !sniffHtml) {
      stats.count('skipped.non_html');
      continue;
    }
    if (http.status < 200 || http.status >= 300) {
      stats.count('skipped.http_status');
      continue;
    }
    let body: Buffer;
    try {
      body = decodeBody(http.body, http.headers, opts.maxHtmlBytes);
    } catch (e) {
      if (e instanceof RangeError) {
        stats.count('skipped.html_too_large');
        continue;
      }
      onError(`record at offset ${r.offset}: cannot decode body (${reasonOf(e)})`);
      continue;
    }
    if (body.length > opts.maxHtmlBytes) {
      stats.count('skipped.html_too_large');
      continue;
    }
    const { text: html, charset } = decodeHtml(body, charsetOf(http.headers.get('content-type')));
    const { text, title, truncated } = extractMainText(html, opts.html);
    if (truncated) stats.count('html_truncated_too_deep');
    if (!text) {
      stats.count('skipped.no_main_content');
      continue;
    }
    const meta = recordMetadata(r);
    meta.content_type = mime || 'text/html';
    meta.charset = charset;
    if (title) meta.title = title;
    yield { id: `${unit.id}#${position}`, text, source: 'web', metadata: meta };
  }
}

function field(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Documents of one JSONL file; a bad line is reported with its number and skipped. */
async function* jsonlDocs(unit: WebUnit, opts: WebOptions, stats: StageStats): AsyncGenerator<Doc> {
  const onError = errorSink(unit.path, stats);
  let lineNo = 0;
  let sawLine = false;
  for await (const line of splitBoundedLines(openBytes(unit.path), opts.maxLineBytes)) {
    lineNo += 1;
    if ('tooLong' in line) {
      sawLine = true;
      stats.count('skipped.line_too_long');
      onError(`line ${lineNo}: ${line.tooLong} bytes, over ingest.web.maxLineBytes (${opts.maxLineBytes}); skipped`);
      continue;
    }
    if (line.length === 0) continue;
    sawLine = true;
    let value: unknown;
    try {
      value = JSON.parse(decodeUtf8(line));
    } catch (e) {
      onError(`line ${lineNo}: ${e instanceof TypeError ? 'invalid UTF-8' : 'invalid JSON'}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      onError(`line ${lineNo}: not a JSON object`);
      continue;
    }
    const obj = value as Record<string, unknown>;
    const text = field(obj, opts.textField);
    if (typeof text !== 'string') {
      onError(`line ${lineNo}: no string field "${opts.textField}"`);
      continue;
    }
    if (!text.trim()) {
      stats.count('skipped.empty');
      continue;
    }
    const inner = obj.metadata;
    const meta: Doc['metadata'] =
      typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? { ...(inner as Doc['metadata']) } : {};
    for (const key of ['url', 'date', 'language', 'license'] as const) {
      if (typeof obj[key] === 'string' && meta[key] === undefined) meta[key] = obj[key] as string;
    }
    if (typeof obj.id === 'string' || typeof obj.id === 'number') meta.source_id = String(obj.id);
    yield { id: `${unit.id}#${lineNo - 1}`, text, source: 'web', metadata: meta };
  }
  if (!sawLine) onError('empty file');
}

export function webDocs(unit: WebUnit, opts: WebOptions, stats: StageStats): AsyncGenerator<Doc> {
  return unit.format === 'jsonl' ? jsonlDocs(unit, opts, stats) : warcDocs(unit, opts, stats);
}
