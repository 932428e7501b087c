/**
 * The tokenizer of a curate run: the configured one, or one trained on the deduplicated text and
 * kept (with a key file) while that text and the tokenize settings stay the same.
 */
import { join } from 'node:path';
import type { CurateConfig } from '../config/schema.js';
import { UserError } from '../core/errors.js';
import { info } from '../core/log.js';
import { StagePlan } from '../core/stage.js';
import { resolveFromConfig } from '../io/config-file.js';
import { exists, readText, sha256Text, writeFileAtomic, writeJsonAtomic } from '../io/files.js';
import { readTexts } from '../io/texts.js';
import { countWords, trainBpe } from '../tokenizer/train.js';

export interface TokenizerChoice {
  run: string;
  /** The run folder as the user named it (for messages). */
  shown: string;
  config: CurateConfig['tokenize'];
  configFile: string | undefined;
  /** The dedup stage's fingerprint: the trained tokenizer is kept while it is the same. */
  dedupFingerprint: string;
  /** `--from tokenize` or earlier: train again even when up to date. */
  force: boolean;
  /** `--plan`: throw a `StagePlan` instead of training. */
  plan?: boolean;
}

/** The path of the tokenizer.json to encode with, trained first when needed. */
export async function tokenizerFor(c: TokenizerChoice): Promise<string> {
  const tk = c.config;
  if (tk.tokenizer) return resolveFromConfig(c.configFile, tk.tokenizer);
  const path = join(c.run, 'tokenizer.json');
  const trainKey = sha256Text(JSON.stringify({ dedup: c.dedupFingerprint, tk: { ...tk, valFraction: undefined } }));
  const keyFile = join(c.run, 'tokenizer.key');
  const previous = await readText(keyFile).catch(() => '');
  if (previous === trainKey && (await exists(path)) && !c.force) return path;
  if (c.plan) {
    const why = !previous
      ? 'no tokenizer yet'
      : c.force
        ? '--from'
        : 'the deduplicated text or the tokenize settings changed';
    throw new StagePlan('tokenizer training', why);
  }
  const { words } = await countWords(readTexts(join(c.run, 'dedup')), tk.pattern, tk.maxBytes);
  if (words.size === 0)
    throw new UserError(
      'no text left after dedup to train a tokenizer on',
      'check the filter settings, or set tokenize.tokenizer to an existing tokenizer.json',
    );
  const { vocabSize, pattern, specialTokens, minFrequency } = tk;
  await writeJsonAtomic(path, trainBpe(words, { vocabSize, pattern, specialTokens, minFrequency }));
  await writeFileAtomic(keyFile, trainKey);
  info(`curate: trained a ${tk.pattern} byte-level BPE tokenizer → ${join(c.shown, 'tokenizer.json')}`);
  return path;
}
