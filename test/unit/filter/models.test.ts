import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QualityClassifier } from '../../../src/filter/models/classifier.js';
import { quantile } from '../../../src/filter/model-filters.js';
import { lmSentences, NgramLm } from '../../../src/filter/models/ngram-lm.js';
import { readTexts } from '../../../src/io/texts.js';
import { FIXTURES, tmpDir } from '../../helpers.js';

const q = (name: string): string => join(FIXTURES, 'quality', name);

async function texts(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const t of readTexts(path)) out.push(t);
  return out;
}

/** Area under the ROC curve: the probability that a good document outranks a bad one. */
function auc(good: number[], bad: number[]): number {
  let wins = 0;
  for (const g of good) for (const b of bad) wins += g > b ? 1 : g === b ? 0.5 : 0;
  return wins / (good.length * bad.length);
}

describe('statistical filters rank held-out clean prose above boilerplate, spam and garbled text', () => {
  it('the Kneser-Ney n-gram model: AUC ≥ 0.9 on held-out data (lower perplexity is better)', async () => {
    const lm = await NgramLm.train(readTexts(q('clean-train.txt')), 3);
    const clean = (await texts(q('clean-heldout.txt'))).map((t) => -lm.perplexity(t).perplexity);
    const junk = (await texts(q('junk-heldout.txt'))).map((t) => -lm.perplexity(t).perplexity);
    expect(clean).toHaveLength(15);
    expect(junk).toHaveLength(15);
    expect(auc(clean, junk)).toBeGreaterThanOrEqual(0.9);
  });

  it('the hashed n-gram classifier: AUC ≥ 0.9 on held-out data', async () => {
    const clf = QualityClassifier.train(await texts(q('clean-train.txt')), await texts(q('junk-train.txt')));
    const clean = (await texts(q('clean-heldout.txt'))).map((t) => clf.score(t));
    const junk = (await texts(q('junk-heldout.txt'))).map((t) => clf.score(t));
    expect(auc(clean, junk)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('NgramLm', () => {
  it('is a proper distribution: probabilities of every known word and the unknown word sum to 1', async () => {
    const corpus = ['the cat sat on the mat', 'the dog sat on the log', 'a cat and a dog'];
    async function* src(): AsyncGenerator<string> {
      yield* corpus;
    }
    const lm = await NgramLm.train(src(), 3);
    const vocab = [...new Set(corpus.join(' ').split(' '))];
    // P(w | "the cat") summed over the vocabulary, </s> and one unknown word (which stands for all of them)
    const logProb = (lm as unknown as { logProb(seq: Uint32Array, i: number): number }).logProb.bind(lm);
    const next = (w: string): number => Math.exp(logProb(lmSentences(`the cat ${w}`, 3)[0]!, 4));
    let total = vocab.reduce((s, w) => s + next(w), 0);
    total += Math.exp(logProb(lmSentences('the cat', 3)[0]!, 4)); // </s>
    total += next('zebra');
    expect(total).toBeCloseTo(1, 6);
  });

  it('trains deterministically and round-trips through its file', async () => {
    const dir = tmpDir();
    const a = await NgramLm.train(readTexts(q('clean-train.txt')), 3);
    const b = await NgramLm.train(readTexts(q('clean-train.txt')), 3);
    await a.save(join(dir, 'a.bin'));
    await b.save(join(dir, 'b.bin'));
    expect(readFileSync(join(dir, 'a.bin')).equals(readFileSync(join(dir, 'b.bin')))).toBe(true);
    const loaded = NgramLm.load(join(dir, 'a.bin'));
    const text = (await texts(q('clean-heldout.txt')))[0]!;
    expect(loaded.perplexity(text)).toEqual(a.perplexity(text));
    expect(a.perplexity(text).perplexity).toBeGreaterThan(1);
  });

  it('rejects a truncated file, a file of another kind and a non-model file, naming the check', async () => {
    const dir = tmpDir();
    const lm = await NgramLm.train(readTexts(q('clean-train.txt')), 2);
    await lm.save(join(dir, 'lm.bin'));
    const bytes = readFileSync(join(dir, 'lm.bin'));
    writeFileSync(join(dir, 'cut.bin'), bytes.subarray(0, bytes.length - 100));
    expect(() => NgramLm.load(join(dir, 'cut.bin'))).toThrow(/runs past the end of the file \(truncated\?\)/);
    writeFileSync(join(dir, 'junk.bin'), 'hello');
    expect(() => NgramLm.load(join(dir, 'junk.bin'))).toThrow(/bad magic/);
    expect(() => QualityClassifier.load(join(dir, 'lm.bin'))).toThrow(/holds a "ngram-lm" model/);
    expect(() => NgramLm.load(join(dir, 'none.bin'))).toThrow(/cannot read model/);
  });
});

describe('QualityClassifier', () => {
  it('trains deterministically for a seed', async () => {
    const pos = await texts(q('clean-train.txt'));
    const neg = await texts(q('junk-train.txt'));
    const a = QualityClassifier.train(pos, neg, { seed: 7 });
    const b = QualityClassifier.train(pos, neg, { seed: 7 });
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true);
    expect(a.meta.bias).toBe(b.meta.bias);
  });
});

describe('quantile', () => {
  it('is the nearest-rank quantile', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.7)).toBe(4);
    expect(quantile([5, 1, 4, 2, 3], 0)).toBe(1);
    expect(quantile([5, 1, 4, 2, 3], 1)).toBe(5);
  });
});
