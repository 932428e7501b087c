/** `moe tokenizer train`. */
import { resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { info, warn } from '../../core/log.js';
import { checkOutFile } from '../../io/stage-dir.js';
import { writeJsonAtomic } from '../../io/files.js';
import { readTexts } from '../../io/texts.js';
import { countWords, type PatternName, trainBpe } from '../../tokenizer/train.js';
import { printJson } from './shared.js';

export interface TokenizerTrainFlags {
  in: string;
  vocabSize: number;
  out: string;
  pattern: PatternName;
  special: string[];
  minFrequency: number;
  maxBytes?: number;
  json?: boolean;
}

export async function tokenizerTrainCommand(flags: TokenizerTrainFlags): Promise<number> {
  await checkOutFile(resolve(flags.out), 'tokenizer.json');
  const t0 = Date.now();
  const specials = flags.special.length ? flags.special : ['<|endoftext|>'];
  if (flags.vocabSize < 256 + specials.length)
    throw new UserError(
      `--vocab-size ${flags.vocabSize} is below the 256 byte tokens plus ${specials.length} special tokens`,
    );
  const { words, bytes } = await countWords(readTexts(resolve(flags.in)), flags.pattern, flags.maxBytes);
  if (words.size === 0)
    throw new UserError(`no text found in ${flags.in}`, 'pass part files, JSONL with a "text" field, or .txt files');
  const json = trainBpe(words, {
    vocabSize: flags.vocabSize,
    pattern: flags.pattern,
    specialTokens: specials,
    minFrequency: flags.minFrequency,
  });
  await writeJsonAtomic(resolve(flags.out), json);
  const size = Object.keys(json.model.vocab).length;
  const seconds = (Date.now() - t0) / 1000;
  info(
    `tokenizer: ${flags.pattern} byte-level BPE, ${size} tokens (${json.model.merges.length} merges) from ${(bytes / 1e6).toFixed(1)} MB, ${words.size} distinct words → ${flags.out} (${seconds.toFixed(1)} s)`,
  );
  if (size < flags.vocabSize) {
    warn(
      `the vocabulary stopped at ${size} of the ${flags.vocabSize} tokens asked for: no pair of tokens occurs ${flags.minFrequency} times or more in this text (give more text, or a lower --min-frequency or --vocab-size)`,
    );
  }
  if (flags.json)
    printJson({
      command: 'tokenizer train',
      out: flags.out,
      vocab_size: size,
      merges: json.model.merges.length,
      bytes,
      seconds,
    });
  return 0;
}
