/**
 * Config schemas (zod): defaults live here and nowhere else. Every object is strict, so an
 * unknown key is an error that names it. Config keys are camelCase, as in the TypeScript types.
 */
import { z } from 'zod';
import { DEDUP_DEFAULTS } from './defaults.js';
import { DEFAULT_SKIP_DIRS } from '../ingest/code.js';
import { MAX_DOC_BYTES } from '../io/jsonl.js';
import { FilterSchema } from './filter-schema.js';

const fraction = z.number().min(0).max(1);

export const HtmlSchema = z.strictObject({
  lengthLow: z.number().int().min(0).default(70),
  lengthHigh: z.number().int().min(0).default(200),
  stopwordsLow: fraction.default(0.3),
  stopwordsHigh: fraction.default(0.32),
  maxLinkDensity: fraction.default(0.2),
  maxHeadingDistance: z.number().int().min(0).default(200),
});

export const IngestSchema = z.strictObject({
  /** Source family of every input, or `auto` to decide per file. */
  source: z.enum(['auto', 'code', 'arxiv', 'web']).default('auto'),
  /** Uncompressed bytes per output part file before rolling over. */
  partMaxBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  code: z
    .strictObject({
      maxFileBytes: z.number().int().positive().default(1_000_000),
      skipDirs: z.array(z.string().min(1)).default([...DEFAULT_SKIP_DIRS]),
      gitignore: z.boolean().default(true),
      /** Extra extension → language mappings, e.g. `{ "pyx": "Cython" }`. */
      extensions: z.record(z.string(), z.string()).default({}),
    })
    .prefault({}),
  arxiv: z
    .strictObject({
      /** Largest source file read from a paper, and largest decompressed member of a bulk tar (bytes). */
      maxFileBytes: z.number().int().positive().default(20_000_000),
      /** A paper whose cleaned text is shorter (characters) is nearly empty, not a paper: skipped as `skipped.arxiv_too_short` (the filter judges short papers: its arxiv minChars). */
      minChars: z.number().int().min(0).default(100),
      /** The title and the abstract first, as text (RedPajama dropped them). */
      frontMatter: z.boolean().default(true),
    })
    .prefault({}),
  web: z
    .strictObject({
      textField: z.string().min(1).default('text'),
      maxHtmlBytes: z.number().int().positive().default(10_000_000),
      /** Longest JSONL line read (bytes): a longer one is skipped while it streams, never held whole. */
      maxLineBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024),
      html: HtmlSchema.prefault({}),
    })
    .prefault({}),
});

export const DedupSchema = z.strictObject({
  /** Words per shingle (characters for scripts without spaces). */
  ngram: z.number().int().min(1).max(50).default(DEDUP_DEFAULTS.ngram),
  bands: z.number().int().min(1).max(512).default(DEDUP_DEFAULTS.bands),
  rows: z.number().int().min(1).max(512).default(DEDUP_DEFAULTS.rows),
  /** When set (and bands/rows are not), bands × rows are chosen for this Jaccard threshold from 112 permutations. */
  threshold: z.number().gt(0).lt(1).optional(),
  /** Seed of the MinHash permutations. */
  seed: z.number().int().min(0).default(1),
  /** The SQLite index for `moe curate` (relative to the config file); default RUN/dedup.sqlite. Share one across runs to deduplicate batches against each other. */
  db: z.string().min(1).optional(),
  /** Evaluation sets (JSONL) to decontaminate against, relative to the config file. */
  against: z.array(z.string().min(1)).default([]),
  againstNgram: z.number().int().min(1).default(DEDUP_DEFAULTS.againstNgram),
  dropAllCopies: z.boolean().default(false),
  /** Longest document line read from --in (bytes): a longer one is skipped while it streams, counted and reported. */
  maxDocBytes: z.number().int().positive().default(MAX_DOC_BYTES),
});

export const TokenizeSchema = z.strictObject({
  /** An existing tokenizer.json (relative to the config file); when absent, one is trained on the deduplicated text into RUN/tokenizer.json. */
  tokenizer: z.string().min(1).optional(),
  vocabSize: z.number().int().min(257).max(1_048_576).default(32_000),
  pattern: z.enum(['gpt2', 'llama3', 'deepseek']).default('llama3'),
  specialTokens: z.array(z.string().min(1)).min(1).default(['<|endoftext|>']),
  minFrequency: z.number().int().min(1).default(2),
  /** Text read to train the tokenizer, in bytes (all of it when absent). */
  maxBytes: z.number().int().positive().optional(),
  valFraction: z.number().min(0).max(1).default(0.01),
  /** Longest document line read from --in (bytes): a longer one is skipped while it streams, counted and reported. */
  maxDocBytes: z.number().int().positive().default(MAX_DOC_BYTES),
});

export const CurateSchema = z.strictObject({
  /** A name for the run, shown in reports. */
  name: z.string().default('curate'),
  /** Input files and folders, relative to the config file. */
  inputs: z.array(z.string().min(1)).min(1),
  /** Recorded in the manifest; every randomised step derives its seed from it. */
  seed: z.number().int().min(0).default(0),
  ingest: IngestSchema.prefault({}),
  filter: FilterSchema.prefault({}),
  dedup: DedupSchema.prefault({}),
  tokenize: TokenizeSchema.prefault({}),
});

export type IngestConfig = z.infer<typeof IngestSchema>;
export type CurateConfig = z.infer<typeof CurateSchema>;
export type DedupConfig = z.infer<typeof DedupSchema>;
