/**
 * `moe tokenize`: encode a stage folder's documents in parallel (ordered) into Megatron shards
 * `train_text_document.bin/.idx` and `val_text_document.bin/.idx`, with `shards.json`.
 * Within each split documents keep their input order; the output is identical for any
 * `--workers`.
 */
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { StageStats, type StatsData, type StatsReport, statsToReport } from '../core/stats.js';
import { taskModule } from '../core/pool.js';
import { stageLoop } from '../core/stage-loop.js';
import { displayPath, type StageReport } from '../core/stage.js';
import { inputParts, runStageDir, stageFingerprint } from '../io/stage-dir.js';
import { copyFile, sha256File, writeJsonAtomic } from '../io/files.js';
import { docBound, MAX_DOC_BYTES, readChunks } from '../io/jsonl.js';
import { DTYPE_UINT16, dtypeFor, MegatronWriter, type ShardsInfo } from '../io/megatron.js';
import { BpeTokenizer } from './bpe.js';
import type { TokenizeInit } from './task.js';

/** End-of-text tokens of the common families, in the order they are looked for. */
export const EOT_NAMES = ['<|endoftext|>', '<|end_of_text|>', '<｜end▁of▁sentence｜>', '</s>', '<eos>', '<|eot_id|>'];

export interface TokenizeRun {
  input: string;
  out: string;
  tokenizer: string;
  valFraction: number;
  /** Longest document line read from the input (bytes; `tokenize.maxDocBytes`): longer ones are skipped and reported. */
  maxDocBytes?: number;
  /** `curate --strict`: a skipped document stops the run before the stage is written. */
  strict?: boolean;
  /** `curate --from`: run even when the output is complete for these inputs and settings. */
  force?: boolean;
  /** `curate --plan`: only say whether the stage would run (a `StagePlan` is thrown when it would). */
  plan?: boolean;
  workers: number;
  silent?: boolean;
}

export interface TokenizeReport extends StageReport, ShardsInfo {
  input: string;
  bytes_in: number;
  /** Every file the stage wrote but report.json, with its sha256 (what `moe verify` checks). */
  outputs: Array<{ file: string; sha256: string }>;
  /** Documents skipped on the way (`skipped.doc_too_large`), with their `file:line`. */
  stats: StatsReport;
  seconds: number;
}

export async function runTokenize(run: TokenizeRun): Promise<{ report: TokenizeReport; skipped: boolean }> {
  const t0 = Date.now();
  const tok = BpeTokenizer.load(run.tokenizer);
  const eot = tok.special(EOT_NAMES);
  if (eot === undefined)
    throw new UserError(
      `${run.tokenizer} has no end-of-text token (looked for ${EOT_NAMES.join(', ')})`,
      'add one to added_tokens, or train a tokenizer with moe tokenizer train',
    );
  const parts = await inputParts(run.input, 'dedup');
  const tokSha = sha256File(run.tokenizer);
  const maxDocBytes = run.maxDocBytes ?? MAX_DOC_BYTES;
  const bound = maxDocBytes !== MAX_DOC_BYTES ? { maxDocBytes } : {};
  const fingerprint = stageFingerprint({
    tokSha,
    val: run.valFraction,
    ...bound,
    parts: parts.map((p) => sha256File(p)),
  });
  return runStageDir<TokenizeReport>(
    { stage: 'tokenize', out: run.out, fingerprint, input: run.input, force: run.force, plan: run.plan },
    async (dir) => {
      const dtype = dtypeFor(tok.vocabSize);
      const writers = {
        train: new MegatronWriter(join(dir, 'train_text_document'), dtype),
        val: new MegatronWriter(join(dir, 'val_text_document'), dtype),
      };
      const init: TokenizeInit = {
        tokenizer: run.tokenizer,
        eot,
        valFraction: run.valFraction,
        uint16: dtype === DTYPE_UINT16,
      };
      let bytesIn = 0;
      const stats = new StageStats();
      const pool = {
        tasks: readChunks(run.input, undefined, docBound(maxDocBytes, 'tokenize.maxDocBytes', stats, run.strict)),
        workers: run.workers,
        module: taskModule<typeof import('./task.js').runTask>(new URL('./task.js', import.meta.url)),
        init,
      };
      // the workers' counts give only the bytes read; the report's stats are the reader's (skipped documents)
      const onTaskStats = (s: StatsData): void => {
        bytesIn += s.counts.bytes_in ?? 0;
      };
      for await (const items of stageLoop(pool, { label: 'tokenize', silent: run.silent, stats, onTaskStats })) {
        for (const c of items) {
          for (const split of ['train', 'val'] as const) {
            let at = 0;
            for (const n of c[split].lengths) {
              writers[split].add(c[split].ids.subarray(at, at + n));
              at += n;
            }
          }
        }
      }
      const { info, outputs } = await closeShards(dir, writers, { run, tokSha, vocabSize: tok.vocabSize, dtype, eot });
      return {
        input: displayPath(run.input),
        ...info,
        bytes_in: bytesIn,
        outputs,
        stats: statsToReport(stats.data),
        seconds: (Date.now() - t0) / 1000,
      };
    },
  );
}

/** Closes the shards and writes shards.json and the tokenizer beside them; the folder's files with their hashes. */
async function closeShards(
  dir: string,
  writers: { train: MegatronWriter; val: MegatronWriter },
  o: { run: TokenizeRun; tokSha: string; vocabSize: number; dtype: number; eot: number },
): Promise<{ info: ShardsInfo; outputs: TokenizeReport['outputs'] }> {
  const train = writers.train.close();
  const val = writers.val.close();
  const info: ShardsInfo = {
    tokenizer_sha256: o.tokSha,
    vocab_size: o.vocabSize,
    dtype: o.dtype === DTYPE_UINT16 ? 'uint16' : 'int32',
    eot_id: o.eot,
    val_fraction: o.run.valFraction,
    splits: { train: { prefix: 'train_text_document', ...train }, val: { prefix: 'val_text_document', ...val } },
  };
  await writeJsonAtomic(join(dir, 'shards.json'), info);
  // the shards carry their tokenizer, so they can be decoded (and trained on) on their own
  await copyFile(o.run.tokenizer, join(dir, 'tokenizer.json'));
  // every file of the folder with its hash, so `moe verify` can check shards as it checks parts
  const files = [
    ...['train', 'val'].flatMap((s) => [`${s}_text_document.bin`, `${s}_text_document.idx`]),
    'shards.json',
    'tokenizer.json',
  ];
  return { info, outputs: files.map((file) => ({ file, sha256: sha256File(join(dir, file)) })) };
}
