/**
 * `moe tokenize`: encode a stage folder's documents in parallel (ordered) into Megatron shards
 * `train_text_document.bin/.idx` and `val_text_document.bin/.idx`, with `shards.json`.
 * Within each split documents keep their input order; the output is identical for any
 * `--workers`.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { Progress } from '../core/log.js';
import { orderedPool } from '../core/pool.js';
import { displayPath, runStageDir, type StageReport, TOOL_VERSION } from '../core/stage.js';
import { exists, sha256File, sha256Text, writeJsonAtomic } from '../io/files.js';
import { type DocChunk, listParts, readChunks } from '../io/jsonl.js';
import { DTYPE_UINT16, dtypeFor, MegatronWriter, type ShardsInfo } from '../io/megatron.js';
import { BpeTokenizer } from './bpe.js';
import type { TokenizedChunk, TokenizeInit } from './task.js';

/** End-of-text tokens of the common families, in the order they are looked for. */
export const EOT_NAMES = ['<|endoftext|>', '<|end_of_text|>', '<｜end▁of▁sentence｜>', '</s>', '<eos>', '<|eot_id|>'];

export interface TokenizeRun {
  input: string;
  out: string;
  tokenizer: string;
  valFraction: number;
  workers: number;
  silent?: boolean;
}

export interface TokenizeReport extends StageReport, ShardsInfo {
  input: string;
  bytes_in: number;
  seconds: number;
}

export async function runTokenize(run: TokenizeRun): Promise<{ report: TokenizeReport; skipped: boolean }> {
  const t0 = Date.now();
  const tok = BpeTokenizer.load(run.tokenizer);
  const eot = tok.special(EOT_NAMES);
  if (eot === undefined) throw new UserError(`${run.tokenizer} has no end-of-text token (looked for ${EOT_NAMES.join(', ')})`, 'add one to added_tokens, or train a tokenizer with moe tokenizer train');
  const parts = await listParts(run.input);
  if (parts.length === 0 && !(await exists(join(run.input, 'report.json')))) throw new UserError(`no part-*.jsonl.gz files in ${run.input}`, 'pass the output folder of an earlier stage, e.g. --in runs/demo/dedup');
  const tokSha = sha256File(run.tokenizer);
  const fingerprint = sha256Text(JSON.stringify({ v: TOOL_VERSION, tokSha, val: run.valFraction, parts: parts.map((p) => sha256File(p)) }));
  return runStageDir<TokenizeReport>({ stage: 'tokenize', out: run.out, fingerprint, input: run.input }, async (dir) => {
    const dtype = dtypeFor(tok.vocabSize);
    const writers = { train: new MegatronWriter(join(dir, 'train_text_document'), dtype), val: new MegatronWriter(join(dir, 'val_text_document'), dtype) };
    const init: TokenizeInit = { tokenizer: run.tokenizer, eot, valFraction: run.valFraction, uint16: dtype === DTYPE_UINT16 };
    const progress = new Progress({ label: 'tokenize', silent: run.silent });
    let bytesIn = 0;
    for await (const ev of orderedPool<DocChunk, TokenizedChunk, number>({ tasks: readChunks(run.input), workers: run.workers, module: new URL('./task.js', import.meta.url), init })) {
      if (ev.type === 'batch') {
        for (const c of ev.items) {
          for (const split of ['train', 'val'] as const) {
            let at = 0;
            for (const n of c[split].lengths) {
              writers[split].add(c[split].ids.subarray(at, at + n));
              at += n;
            }
          }
        }
      } else {
        bytesIn += ev.stats.counts.bytes_in ?? 0;
        progress.add(ev.result, ev.stats.counts.bytes_in ?? 0);
      }
    }
    progress.done();
    const train = writers.train.close();
    const val = writers.val.close();
    const info: ShardsInfo = {
      tokenizer_sha256: tokSha,
      vocab_size: tok.vocabSize,
      dtype: dtype === DTYPE_UINT16 ? 'uint16' : 'int32',
      eot_id: eot,
      val_fraction: run.valFraction,
      splits: { train: { prefix: 'train_text_document', ...train }, val: { prefix: 'val_text_document', ...val } },
    };
    await writeJsonAtomic(join(dir, 'shards.json'), info);
    // the shards carry their tokenizer, so they can be decoded (and trained on) on their own
    await copyFile(run.tokenizer, join(dir, 'tokenizer.json'));
    return { input: displayPath(run.input), ...info, bytes_in: bytesIn, seconds: (Date.now() - t0) / 1000 };
  });
}
