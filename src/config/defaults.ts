/**
 * Defaults the CLI's help shows as well as the schema applies, in one place: the schema reads
 * them from here, and `moe --help` prints them without loading the schema (or zod).
 */
export const DEDUP_DEFAULTS = {
  /** Words per shingle. */
  ngram: 5,
  /** LSH bands × rows per band: 112 permutations, tuned for Jaccard ≈ 0.72. */
  bands: 14,
  rows: 8,
  /** Words per decontamination n-gram (GPT-3's 13-grams). */
  againstNgram: 13,
} as const;
