/** `moe tokenize` and `moe shards inspect`. */
import { join, resolve } from 'node:path';
import { DataError, UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { readMegatronIndex, readSequence, readShardsInfo } from '../../io/megatron.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import { tokenizeRun } from '../../pipeline/stages.js';
import { runTokenize } from '../../tokenizer/run.js';
import { printJson, reportFileErrors } from './shared.js';

export interface TokenizeFlags {
  in: string;
  tokenizer: string;
  out: string;
  valFraction: number;
  workers: number;
  json?: boolean;
  quiet?: boolean;
}

export async function tokenizeCommand(flags: TokenizeFlags): Promise<number> {
  if (!(flags.valFraction >= 0 && flags.valFraction <= 1))
    throw new UserError(`--val-fraction ${flags.valFraction} is not between 0 and 1`);
  const io = { input: resolve(flags.in), out: resolve(flags.out), tokenizer: resolve(flags.tokenizer) };
  const common = { workers: flags.workers, silent: flags.quiet };
  const { report, skipped } = await runTokenize(tokenizeRun(io, { valFraction: flags.valFraction }, common));
  if (skipped) info(`tokenize: ${flags.out} is up to date; nothing to do`);
  const { train, val } = report.splits;
  reportFileErrors(report.stats.errors, report.stats.counts.errors ?? 0, false);
  info(
    `tokenize: ${train.docs} train docs (${train.tokens} tokens), ${val.docs} validation docs (${val.tokens} tokens), ${report.dtype}, vocabulary ${report.vocab_size} → ${flags.out}`,
  );
  if (flags.json)
    printJson({
      command: 'tokenize',
      out: flags.out,
      skipped,
      splits: report.splits,
      dtype: report.dtype,
      vocab_size: report.vocab_size,
      bytes_in: report.bytes_in,
      // a report written before tokenize's time moved under `timing` has none
      seconds: report.timing?.seconds,
    });
  return 0;
}

export async function shardsInspectCommand(
  dir: string,
  flags: { split: 'train' | 'val'; doc?: number; json?: boolean },
): Promise<number> {
  const shards = readShardsInfo(dir);
  const prefix = join(dir, shards.splits[flags.split].prefix);
  const index = readMegatronIndex(prefix);
  const lengths = Array.from(index.lengths);
  const stats = {
    split: flags.split,
    docs: lengths.length,
    tokens: index.tokens,
    dtype: shards.dtype,
    vocab_size: shards.vocab_size,
    mean_doc_tokens: lengths.length ? index.tokens / lengths.length : 0,
    max_doc_tokens: lengths.reduce((m, n) => Math.max(m, n), 0),
  };
  let doc: { index: number; ids: number[]; text: string } | undefined;
  if (flags.doc !== undefined) {
    if (!(flags.doc >= 0 && flags.doc < lengths.length))
      throw new UserError(
        `--doc ${flags.doc} is out of range: the ${flags.split} split has ${lengths.length} documents`,
      );
    const ids = readSequence(prefix, index, flags.doc);
    const tok = BpeTokenizer.load(join(dir, 'tokenizer.json'));
    if (ids.some((id) => id >= tok.vocabSize))
      throw new DataError(`document ${flags.doc} has ids beyond the tokenizer's vocabulary`, 're-run moe tokenize');
    doc = { index: flags.doc, ids, text: tok.decode(ids) };
  }
  if (flags.json) printJson({ ...stats, ...(doc ? { doc } : {}) });
  else {
    process.stdout.write(
      `${dir} (${flags.split}): ${stats.docs} documents, ${stats.tokens} tokens, ${stats.dtype}, vocabulary ${stats.vocab_size}, mean ${stats.mean_doc_tokens.toFixed(1)} and max ${stats.max_doc_tokens} tokens per document\n`,
    );
    if (doc)
      process.stdout.write(`document ${doc.index}: ${doc.ids.length} tokens\n${doc.ids.join(' ')}\n---\n${doc.text}\n`);
  }
  return 0;
}
