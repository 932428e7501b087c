/**
 * Reading training text (for the statistical filters and the tokenizer trainer) from whatever the
 * user has: a stage folder (its part files), JSONL(.gz|.zst) files with a `text` field, or plain
 * `.txt` files (one document per blank-line-separated block). Other folders are read recursively
 * in sorted order.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UserError } from '../core/errors.js';
import { decodeUtf8, openBytes, splitLines } from './compress.js';
import { listParts } from './jsonl.js';

function listFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UserError(`not found: ${path}`, 'pass a folder of part files, JSONL files or .txt files');
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => listFiles(join(path, name)));
}

export interface ReadTextsOptions {
  /** For JSONL lines without a `text` field: join every string field (benchmark items). */
  allStringFields?: boolean;
}

function textOf(value: Record<string, unknown>, opts: ReadTextsOptions): string | undefined {
  if (typeof value.text === 'string') return value.text;
  if (!opts.allStringFields) return undefined;
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return parts.length ? parts.join(' ') : undefined;
}

/** Yields document texts from `path` (file or folder), at most `maxDocs`. */
export async function* readTexts(path: string, maxDocs = Number.POSITIVE_INFINITY, opts: ReadTextsOptions = {}): AsyncGenerator<string> {
  let n = 0;
  // a stage folder: its own part files only (not rejected/ or removed/, not report.json)
  const parts = existsSync(path) && statSync(path).isDirectory() ? await listParts(path) : [];
  for (const file of parts.length ? parts : listFiles(path)) {
    if (/\.(jsonl|ndjson)(\.gz|\.zst)?$/i.test(file) || /\.json\.(gz|zst)$/i.test(file)) {
      let lineNo = 0;
      for await (const line of splitLines(openBytes(file))) {
        lineNo += 1;
        if (!line.length) continue;
        let value: Record<string, unknown>;
        try {
          value = JSON.parse(decodeUtf8(line)) as Record<string, unknown>;
        } catch {
          throw new DataError(`${file}:${lineNo}: not valid JSON`, 'pass JSONL: one JSON object a line');
        }
        const text = textOf(value, opts);
        if (text === undefined) continue;
        yield text;
        if (++n >= maxDocs) return;
      }
    } else if (/\.txt$/i.test(file)) {
      const chunks: Uint8Array[] = [];
      for await (const c of openBytes(file)) chunks.push(c);
      for (const block of decodeUtf8(Buffer.concat(chunks)).split(/\n\s*\n/)) {
        if (!block.trim()) continue;
        yield block.trim();
        if (++n >= maxDocs) return;
      }
    }
  }
}
