/**
 * A curate run's `manifest.json`: tool version, name, resolved config and its hash, seed, inputs,
 * models, per-stage counts and every output file with its sha256 — no timings, so the same config
 * gives the same bytes (what `moe verify --against` and CI's reproduce check compare).
 */
import type { CurateConfig } from '../config/schema.js';
import { TOOL_VERSION } from '../core/stage.js';
import type { DedupReport } from '../dedup/run.js';
import type { FilterReport } from '../filter/run.js';
import type { IngestReport } from '../ingest/ingest.js';
import type { TokenizeReport } from '../tokenizer/run.js';
import { filesWithHashes } from './run-folder.js';

export interface ManifestParts {
  run: string;
  config: CurateConfig;
  hash: string;
  ingest: { report: IngestReport };
  filter: { report: FilterReport };
  dedup: { report: DedupReport };
  tokenized: { report: TokenizeReport };
}

/** Files the tokenize step leaves in the run folder, beside the stage outputs the reports list. */
const TOKENIZE_FILES = [
  'tokenizer.json',
  ...['train', 'val'].flatMap((p) => [`shards/${p}_text_document.bin`, `shards/${p}_text_document.idx`]),
  'shards/shards.json',
  'shards/tokenizer.json',
];

export async function curateManifest(p: ManifestParts) {
  const { config, hash } = p;
  const ingest = p.ingest.report;
  const filter = p.filter.report;
  const dedup = p.dedup.report;
  const tokenized = p.tokenized.report;
  const outputs = (stage: string, parts: Array<{ file: string; docs: number; sha256: string }>) =>
    parts.map((o) => ({ file: `${stage}/${o.file}`, docs: o.docs, sha256: o.sha256 }));
  return {
    tool_version: TOOL_VERSION,
    name: config.name,
    config_sha256: hash,
    config,
    seed: config.seed,
    inputs: ingest.inputs,
    models: filter.models,
    stages: {
      ingest: { docs_out: ingest.docs_out, counts: ingest.stats.counts },
      filter: {
        docs_in: filter.docs_in,
        docs_out: filter.docs_out,
        learned_thresholds: filter.learned_thresholds,
        dropped: Object.fromEntries(Object.entries(filter.filters).map(([k, f]) => [k, f.dropped])),
      },
      dedup: {
        params: dedup.params,
        docs_in: dedup.docs_in,
        docs_out: dedup.docs_out,
        exact_duplicates: dedup.exact_duplicates,
        near_duplicates: dedup.near_duplicates,
        decontamination: dedup.decontamination,
      },
      tokenize: {
        tokenizer_sha256: tokenized.tokenizer_sha256,
        vocab_size: tokenized.vocab_size,
        dtype: tokenized.dtype,
        splits: tokenized.splits,
      },
    },
    outputs: [
      ...outputs('ingest', ingest.outputs),
      ...outputs('filter', filter.outputs),
      ...outputs('filter', filter.rejected_outputs),
      ...outputs('dedup', dedup.outputs),
      ...outputs('dedup', dedup.removed_outputs),
      ...(await filesWithHashes(p.run, TOKENIZE_FILES)),
    ],
  };
}
