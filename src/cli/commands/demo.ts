/**
 * `moe demo` (`npm run demo`): the whole pipeline on the bundled inputs. Trains the statistical
 * filters' models, curates `configs/demo.yaml`, trains the small MoE of `configs/train-demo.yaml`
 * on the shards, prints a generated sample and a summary, and writes the HTML report.
 */
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { checkOutFolder } from '../../io/stage-dir.js';
import { exists, readText, removeTree, writeJsonAtomic } from '../../io/files.js';
import { readShardsInfo } from '../../io/megatron.js';
import { writeReport } from '../../report/html.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import { EOT_NAMES } from '../../tokenizer/run.js';
import { type BackendName, selectBackend } from '../../train/backend.js';
import { assignParams, loadCheckpoint } from '../../train/checkpoint.js';
import { loadTrainConfig } from '../../train/config.js';
import type { ModelConfig } from '../../train/model/config.js';
import { ShardLoader, unigramEntropy } from '../../train/data.js';
import { generate } from '../../train/generate.js';
import { evaluate, train } from '../../train/run.js';
import { initParams } from '../../train/model/transformer.js';
import { curateCommand } from './curate.js';
import { classifierTrainCommand, lmTrainCommand } from './models.js';

/** The project folder (configs/ and fixtures/), from this file's place in dist/cli/commands/. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROMPT = 'The package manager';

export interface DemoSummary {
  docs_in: number;
  docs_kept: number;
  tokens: { train: number; val: number };
  steps: number;
  train_seconds: number;
  parameters: number;
  val_loss: number;
  unigram_entropy: number;
  prompt: string;
  sample: string;
  report: string;
  input_problems: number;
}

export async function demoCommand(flags: { out: string; workers: number; backend: BackendName }): Promise<number> {
  const out = resolve(flags.out);
  const shown = flags.out;
  await checkOutFolder(out);
  // beside the run folder, which holds only what moe curate writes
  const models = `${out}-models`;
  await trainQualityModels(models);
  const code = await curateCommand({
    config: join(ROOT, 'configs', 'demo.yaml'),
    out: flags.out,
    workers: flags.workers,
    set: [`filter.models.perplexity=${join(models, 'lm.bin')}`, `filter.models.classifier=${join(models, 'clf.bin')}`],
  });
  const report = JSON.parse(await readText(join(out, 'report.json'))) as {
    stages: Record<string, Record<string, unknown>>;
  };
  const ingestErrors = Number((report.stages.ingest?.counts as Record<string, number> | undefined)?.errors ?? 0);

  // a fresh training run each time: the previous demo's is replaced, nothing else is
  const trainDir = join(out, 'train');
  if (await exists(trainDir)) {
    if (!(await exists(join(trainDir, 'train_config.json'))))
      throw new UserError(`${trainDir} exists and is not a moe train run`, 'move it away or choose another --out');
    await removeTree(trainDir);
  }
  const backend = await selectBackend(flags.backend);
  info(
    `demo: training the demo MoE (configs/train-demo.yaml) on ${shown}/shards with ${flags.workers} worker(s), backend ${backend}`,
  );
  const { model, train: t } = await loadTrainConfig(join(ROOT, 'configs', 'train-demo.yaml'));
  const started = Date.now();
  const result = await train({
    model,
    train: t,
    data: join(out, 'shards'),
    out: trainDir,
    resume: false,
    workers: flags.workers,
    backend: flags.backend,
  });
  const seconds = (Date.now() - started) / 1000;
  if (!result.checkpoint) throw new UserError('the demo run saved no checkpoint', 'see the messages above');

  const { val, entropy, sample, parameters, shards } = await scoreAndSample(result.checkpoint, out, model);

  const html = join(out, 'report.html');
  await writeReport([out, trainDir], html);
  const filter = report.stages.filter ?? {};
  const dedup = report.stages.dedup ?? {};
  const summary: DemoSummary = {
    docs_in: Number(filter.docs_in ?? 0),
    docs_kept: Number(dedup.docs_out ?? 0),
    tokens: { train: shards.splits.train.tokens, val: shards.splits.val.tokens },
    steps: result.history.at(-1)?.step ?? 0,
    train_seconds: Math.round(seconds * 10) / 10,
    parameters,
    val_loss: val.loss,
    unigram_entropy: entropy,
    prompt: PROMPT,
    sample,
    report: html,
    input_problems: ingestErrors,
  };
  await writeJsonAtomic(join(out, 'demo.json'), summary);
  printSummary(summary, {
    shown,
    vocab: shards.vocab_size,
    model,
    val,
    checkpoint: result.checkpoint,
    finalLoss: result.history.at(-1)?.loss,
  });
  return code;
}

/** The filter's quality models (an n-gram model and a classifier) from the bundled clean and junk text. */
async function trainQualityModels(models: string): Promise<void> {
  const quality = join(ROOT, 'fixtures', 'quality');
  await lmTrainCommand({ in: join(quality, 'clean-train.txt'), out: join(models, 'lm.bin'), order: 3 });
  await classifierTrainCommand({
    positive: join(quality, 'clean-train.txt'),
    negative: join(quality, 'junk-train.txt'),
    out: join(models, 'clf.bin'),
    epochs: 8,
    seed: 1,
  });
}

/** The final model on the whole validation split, against the best context-free model of it, and a sample. */
async function scoreAndSample(checkpoint: string, out: string, model: ModelConfig) {
  const ck = await loadCheckpoint(checkpoint);
  const params = initParams(ck.model, 0);
  assignParams(params, ck.tensors, checkpoint);
  const shards = readShardsInfo(join(out, 'shards'));
  const valPrefix = join(out, 'shards', shards.splits.val.prefix);
  const loader = new ShardLoader(valPrefix, model.vocab_size);
  const val = evaluate(params, model, loader, Number.POSITIVE_INFINITY);
  loader.close();
  const entropy = unigramEntropy(valPrefix, model.vocab_size);
  const tok = BpeTokenizer.load(join(out, 'tokenizer.json'));
  const ids = generate(params, model, tok.encode(PROMPT), {
    maxNewTokens: 60,
    temperature: 0.7,
    topK: 40,
    seed: 1,
    stop: tok.special(EOT_NAMES),
  });
  const sample = PROMPT + tok.decode(ids);
  let parameters = 0;
  for (const v of params.values()) parameters += v.size;
  for (const v of params.values()) v.dispose();

  return { val, entropy, sample, parameters, shards };
}

/** The sample and the run's summary, as a person reads them at the end of the demo. */
function printSummary(
  summary: DemoSummary,
  o: {
    shown: string;
    vocab: number;
    model: ModelConfig;
    val: { loss: number; tokens: number };
    checkpoint: string;
    finalLoss: number | undefined;
  },
): void {
  const { shown, model, val } = o;
  const { sample, parameters, unigram_entropy: entropy, input_problems: ingestErrors } = summary;
  const fmt = (n: number): string => n.toLocaleString('en-US');
  process.stdout.write(`
Sample (prompt "${PROMPT}", temperature 0.7):
  ${sample.replace(/\n/g, '\n  ')}

Summary
  documents   ${fmt(summary.docs_in)} ingested, ${fmt(summary.docs_kept)} kept after filtering and deduplication
  tokens      ${fmt(summary.tokens.train)} train, ${fmt(summary.tokens.val)} validation (vocabulary ${fmt(o.vocab)})
  model       ${fmt(parameters)} parameters, ${model.n_layers} layers, ${model.n_routed_experts} routed + ${model.n_shared_experts} shared experts, top-${model.top_k}
  training    ${summary.steps} steps in ${summary.train_seconds.toFixed(0)} s; final loss ${o.finalLoss?.toFixed(3) ?? '-'}
  validation  ${val.loss.toFixed(3)} nats/token (perplexity ${Math.exp(val.loss).toFixed(1)}) on ${fmt(val.tokens)} tokens; a unigram model of the split scores ${entropy.toFixed(3)}
  problems    ${ingestErrors} input problem(s) in the deliberately broken fixtures, listed in the report
  report      ${join(shown, 'report.html')} (open it in a browser)
  next        moe generate --checkpoint ${join(shown, 'train', 'checkpoints', basename(o.checkpoint))} --prompt "Debian"
`);
}
