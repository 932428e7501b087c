/**
 * `moe tokenize`: encode a stage folder's documents in parallel (ordered) into Megatron shards
 * `train_text_document.bin/.idx` and `val_text_document.bin/.idx`, with `shards.json`.
 * Within each split documents keep their input order; the output is identical for any
 * `--workers`.
 */
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { StatsData } from '../core/stats.js';
import { type ItemOf, taskModule } from '../core/pool.js';
import type { Stage, StageContext } from '../core/stage-contract.js';
import { displayPath, type StageReport } from '../core/stage.js';
import { type DriverFields, inputParts, runStage, stageFingerprint } from '../io/stage-dir.js';
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

/** The tokenize stage's own report fields; the driver adds `stats` (documents skipped on the way, with their `file:line`) and `timing`. */
export interface TokenizeOwn extends ShardsInfo {
  input: string;
  bytes_in: number;
  /** Every file the stage wrote but report.json, with its sha256 (what `moe verify` checks). */
  outputs: Array<{ file: string; sha256: string }>;
}

export type TokenizeReport = StageReport & TokenizeOwn & DriverFields;

type TokenizeTask = typeof import('./task.js').runTask;

/** Tokenize as a stage: the workers encode every chunk; each split's documents appended to its shards in input order. */
class TokenizeStage implements Stage<TokenizeTask, TokenizeOwn> {
  readonly name = 'tokenize';
  readonly module = taskModule<TokenizeTask>(new URL('./task.js', import.meta.url));
  readonly input: string;
  readonly workers: number;
  private readonly dtype: number;
  private writers?: { train: MegatronWriter; val: MegatronWriter };
  private bytesIn = 0;

  constructor(
    private readonly run: TokenizeRun,
    readonly fingerprint: string,
    private readonly tok: { sha: string; vocabSize: number; eot: number },
  ) {
    this.input = run.input;
    this.workers = run.workers;
    this.dtype = dtypeFor(tok.vocabSize);
  }

  open({ dir }: StageContext): void {
    this.writers = {
      train: new MegatronWriter(join(dir!, 'train_text_document'), this.dtype),
      val: new MegatronWriter(join(dir!, 'val_text_document'), this.dtype),
    };
  }

  init(): TokenizeInit {
    const { tokenizer, valFraction } = this.run;
    return { tokenizer, eot: this.tok.eot, valFraction, uint16: this.dtype === DTYPE_UINT16 };
  }

  tasks({ stats }: StageContext): ReturnType<typeof readChunks> {
    const bound = docBound(this.run.maxDocBytes ?? MAX_DOC_BYTES, 'tokenize.maxDocBytes', stats, this.run.strict);
    return readChunks(this.run.input, undefined, bound);
  }

  /** The workers' counts give only the bytes read; the report's stats are the reader's (skipped documents). */
  onTaskStats(s: StatsData): void {
    this.bytesIn += s.counts.bytes_in ?? 0;
  }

  write(c: ItemOf<TokenizeTask>): void {
    for (const split of ['train', 'val'] as const) {
      let at = 0;
      for (const n of c[split].lengths) {
        this.writers![split].add(c[split].ids.subarray(at, at + n));
        at += n;
      }
    }
  }

  async close({ dir }: StageContext): Promise<TokenizeOwn> {
    const { info, outputs } = await closeShards(dir!, this.writers!, {
      run: this.run,
      tokSha: this.tok.sha,
      vocabSize: this.tok.vocabSize,
      dtype: this.dtype,
      eot: this.tok.eot,
    });
    return { input: displayPath(this.run.input), ...info, bytes_in: this.bytesIn, outputs };
  }
}

export async function runTokenize(run: TokenizeRun): Promise<{ report: TokenizeReport; skipped: boolean }> {
  const started = Date.now();
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
  const stage = new TokenizeStage(run, fingerprint, { sha: tokSha, vocabSize: tok.vocabSize, eot });
  return runStage(stage, { out: run.out, force: run.force, plan: run.plan, silent: run.silent, started });
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
