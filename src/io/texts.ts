/**
 * Reading training text for the statistical filters from whatever the user has: a stage folder
 * of part files, JSONL(.gz|.zst) files with a `text` field, or plain `.txt` files (one document
 * per blank-line-separated block). Folders are read recursively in sorted order.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { decodeUtf8, openBytes, splitLines } from './compress.js';

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

/** Yields document texts from `path` (file or folder), at most `maxDocs`. */
export async function* readTexts(path: string, maxDocs = Number.POSITIVE_INFINITY): AsyncGenerator<string> {
  let n = 0;
  for (const file of listFiles(path)) {
    if (/\.(jsonl|ndjson|json)(\.gz|\.zst)?$/i.test(file)) {
      for await (const line of splitLines(openBytes(file))) {
        if (!line.length) continue;
        const value = JSON.parse(decodeUtf8(line)) as { text?: unknown };
        if (typeof value.text !== 'string') continue;
        yield value.text;
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
