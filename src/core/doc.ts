/**
 * The document record of docs/DESIGN.md §3: one JSON object per line of a gzip JSONL part file, the
 * shape datatrove and Dolma use.
 */

export type Source = 'code' | 'arxiv' | 'web';
export const SOURCES: readonly Source[] = ['code', 'arxiv', 'web'];

/** What the ingester knows about a document; stages add `filter` / `dedup`. */
export interface DocMetadata {
  path?: string;
  url?: string;
  language?: string;
  license?: string;
  arxiv_id?: string;
  warc_record_id?: string;
  date?: string;
  [key: string]: unknown;
}

export interface Doc {
  /** Stable across runs: derived from the input path and position, never random. */
  id: string;
  text: string;
  source: Source;
  metadata: DocMetadata;
}

/** Serialises a document with a fixed key order, so output bytes never depend on construction. */
export function docToJson(doc: Doc): string {
  return JSON.stringify({ id: doc.id, text: doc.text, source: doc.source, metadata: doc.metadata });
}

/** Validates one parsed JSONL line as a Doc; returns a reason string when it is not one. */
export function checkDoc(value: unknown): Doc | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string') return 'missing string field "id"';
  if (typeof v.text !== 'string') return 'missing string field "text"';
  if (v.source !== 'code' && v.source !== 'arxiv' && v.source !== 'web') return 'field "source" is not code|arxiv|web';
  const metadata = v.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    return 'field "metadata" is not an object';
  return { id: v.id, text: v.text, source: v.source, metadata: metadata as DocMetadata };
}
