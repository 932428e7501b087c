/** `moe lm train` and `moe classifier train`: the models the statistical filters load. */
import { resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { checkOutFile } from '../../io/stage-dir.js';
import { QualityClassifier } from '../../filter/models/classifier.js';
import { NgramLm } from '../../filter/models/ngram-lm.js';
import { readTexts } from '../../io/texts.js';
import { printJson } from './shared.js';

export interface LmFlags {
  in: string;
  out: string;
  order: number;
  maxDocs?: number;
  json?: boolean;
}

export async function lmTrainCommand(flags: LmFlags): Promise<number> {
  await checkOutFile(resolve(flags.out), 'lm.bin');
  const t0 = Date.now();
  const lm = await NgramLm.train(readTexts(resolve(flags.in), flags.maxDocs), flags.order);
  if (lm.meta.tokens === 0)
    throw new UserError(`no text found in ${flags.in}`, 'pass part files, JSONL with a "text" field, or .txt files');
  await lm.save(resolve(flags.out));
  const seconds = (Date.now() - t0) / 1000;
  info(
    `lm: ${lm.meta.order}-gram Kneser-Ney model of ${lm.meta.docs} docs, ${lm.meta.tokens} tokens, ${lm.meta.vocab} word types → ${flags.out} (${seconds.toFixed(1)} s)`,
  );
  if (flags.json) printJson({ command: 'lm train', out: flags.out, ...lm.meta, seconds });
  return 0;
}

export interface ClassifierFlags {
  positive: string;
  negative: string;
  out: string;
  epochs: number;
  seed: number;
  maxDocs?: number;
  json?: boolean;
}

async function collect(path: string, max: number | undefined): Promise<string[]> {
  const out: string[] = [];
  for await (const t of readTexts(resolve(path), max)) out.push(t);
  return out;
}

export async function classifierTrainCommand(flags: ClassifierFlags): Promise<number> {
  await checkOutFile(resolve(flags.out), 'clf.bin');
  const t0 = Date.now();
  const pos = await collect(flags.positive, flags.maxDocs);
  const neg = await collect(flags.negative, flags.maxDocs);
  if (!pos.length || !neg.length)
    throw new UserError(
      `no text found in ${!pos.length ? flags.positive : flags.negative}`,
      'pass part files, JSONL with a "text" field, or .txt files',
    );
  const clf = QualityClassifier.train(pos, neg, { epochs: flags.epochs, seed: flags.seed });
  await clf.save(resolve(flags.out));
  const correct = pos.filter((t) => clf.score(t) >= 0.5).length + neg.filter((t) => clf.score(t) < 0.5).length;
  const accuracy = correct / (pos.length + neg.length);
  const seconds = (Date.now() - t0) / 1000;
  info(
    `classifier: ${pos.length} positive, ${neg.length} negative docs, training accuracy ${(100 * accuracy).toFixed(1)}% → ${flags.out} (${seconds.toFixed(1)} s)`,
  );
  if (flags.json)
    printJson({
      command: 'classifier train',
      out: flags.out,
      positives: pos.length,
      negatives: neg.length,
      train_accuracy: accuracy,
      seconds,
    });
  return 0;
}
