/** The MinHash parameters of a dedup run, from its flags and its config section. */
import type { DedupConfig } from '../config/schema.js';
import type { MinHashParams } from '../io/signatures.js';
import { bandsForThreshold } from './minhash.js';

/** What the command line may set; anything absent comes from the config. */
export interface MinHashFlags {
  threshold?: number;
  bands?: number;
  rows?: number;
  ngram?: number;
}

/** MinHash parameters: explicit bands/rows win, then a threshold, then the config (14 × 8). */
export function minhashParams(config: DedupConfig, flags: MinHashFlags): MinHashParams {
  const threshold = flags.threshold ?? config.threshold;
  const explicit = flags.bands !== undefined || flags.rows !== undefined;
  const chosen =
    threshold !== undefined && !explicit
      ? bandsForThreshold(threshold)
      : { bands: flags.bands ?? config.bands, rows: flags.rows ?? config.rows };
  return { bands: chosen.bands, rows: chosen.rows, ngram: flags.ngram ?? config.ngram, seed: config.seed };
}
