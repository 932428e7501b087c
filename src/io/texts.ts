/**
 * Reading training text (for the statistical filters and the tokenizer trainer) from whatever the
 * user has: a stage folder (its part files), JSONL(.gz|.zst) files with a `text` field, or plain
 * `.txt` files (one document per blank-line-separated block). Other folders are read recursively
 * in sorted order.
 */
import { existsSync, readdirSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, isUserError, UserError } from '../core/errors.js';
import { decodeUtf8, openBytes, splitBoundedLines } from './compress.js';
import { listParts } from './jsonl.js';

function listFiles(path: string): string[] {
  let st: Stats;
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

/** Longest line, and longest `.txt` block, read as training text (bytes). */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;

const TEXT_HINT =
  'these commands read UTF-8 text: .txt files (documents separated by blank lines), JSONL(.gz|.zst) with a "text" field, or a stage folder';

/** The lines of a text file, each decoded; a file that cannot be read or decoded is a DataError naming it and the line. */
async function* textLines(file: string): AsyncGenerator<{ line: string; lineNo: number }> {
  let lineNo = 0;
  try {
    for await (const bytes of splitBoundedLines(openBytes(file), MAX_TEXT_BYTES)) {
      lineNo += 1;
      if (!(bytes instanceof Uint8Array))
        throw new DataError(`${file}:${lineNo}: a line of ${bytes.tooLong} bytes, over ${MAX_TEXT_BYTES}`, TEXT_HINT);
      let line: string;
      try {
        line = decodeUtf8(bytes);
      } catch {
        throw new DataError(`${file}:${lineNo}: not valid UTF-8 (a binary file?)`, TEXT_HINT);
      }
      yield { line, lineNo };
    }
  } catch (e) {
    if (isUserError(e)) throw e;
    throw new DataError(`${file}: ${(e as Error).message}`, TEXT_HINT);
  }
}

/** Yields document texts from `path` (file or folder), at most `maxDocs`. */
export async function* readTexts(
  path: string,
  maxDocs = Number.POSITIVE_INFINITY,
  opts: ReadTextsOptions = {},
): AsyncGenerator<string> {
  let n = 0;
  // a stage folder: its own part files only (not rejected/ or removed/, not report.json)
  const parts = existsSync(path) && statSync(path).isDirectory() ? await listParts(path) : [];
  for (const file of parts.length ? parts : listFiles(path)) {
    if (/\.(jsonl|ndjson)(\.gz|\.zst)?$/i.test(file) || /\.json\.(gz|zst)$/i.test(file)) {
      for await (const { line, lineNo } of textLines(file)) {
        if (!line) continue;
        let value: Record<string, unknown>;
        try {
          value = JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new DataError(`${file}:${lineNo}: not valid JSON`, 'pass JSONL: one JSON object a line');
        }
        const text = textOf(value, opts);
        if (text === undefined) continue;
        yield text;
        if (++n >= maxDocs) return;
      }
    } else if (/\.txt(\.gz|\.zst)?$/i.test(file)) {
      // blocks separated by blank lines, streamed: a block is held, never the whole file
      let block: string[] = [];
      let size = 0;
      for await (const { line, lineNo } of textLines(file)) {
        if (line.trim()) {
          size += line.length + 1;
          if (size > MAX_TEXT_BYTES)
            throw new DataError(
              `${file}:${lineNo}: a document (block without a blank line) of more than ${MAX_TEXT_BYTES} bytes`,
              TEXT_HINT,
            );
          block.push(line);
          continue;
        }
        if (block.length) {
          yield block.join('\n').trim();
          if (++n >= maxDocs) return;
        }
        block = [];
        size = 0;
      }
      if (block.length) {
        yield block.join('\n').trim();
        if (++n >= maxDocs) return;
      }
    }
  }
}
