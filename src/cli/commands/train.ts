/** `moe train`, `moe eval`, `moe generate`. */
import { dirname, join, resolve } from 'node:path';
import { DataError, UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { checkOutFolder } from '../../io/stage-dir.js';
import { exists, sha256File } from '../../io/files.js';
import { readShardsInfo } from '../../io/megatron.js';
import { writeReport } from '../../report/html.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import { EOT_NAMES } from '../../tokenizer/run.js';
import { type BackendName, selectBackend } from '../../train/backend.js';
import { assignParams, loadCheckpoint } from '../../train/checkpoint.js';
import { loadTrainConfig } from '../../train/config.js';
import { checkVocab, ShardLoader } from '../../train/data.js';
import { checkTokenizer, evaluate, type TrainResult, train } from '../../train/run.js';
import { initParams } from '../../train/model/transformer.js';
import { generate } from '../../train/generate.js';
import { printJson } from './shared.js';

export async function trainCommand(flags: {
  config: string;
  data: string;
  out: string;
  resume?: boolean;
  backend: BackendName;
  maxSteps?: number;
  maxRestarts?: number;
  workers?: number;
  json?: boolean;
  quiet?: boolean;
}): Promise<number> {
  await checkOutFolder(resolve(flags.out));
  const { model, train: t } = await loadTrainConfig(resolve(flags.config));
  if (flags.maxSteps !== undefined && flags.maxSteps > t.steps) {
    throw new UserError(
      `--max-steps ${flags.maxSteps} is beyond the run's ${t.steps} steps (train.steps)`,
      'give a step at most train.steps, or raise train.steps in the config',
    );
  }
  const backend = await selectBackend(flags.backend);
  info(`train: backend ${backend}`);
  const started = Date.now();
  const result = await train({
    model,
    train: t,
    data: resolve(flags.data),
    out: resolve(flags.out),
    resume: Boolean(flags.resume),
    stopAt: flags.maxSteps,
    workers: flags.workers,
    backend: flags.backend,
    maxRestarts: flags.maxRestarts,
    silent: flags.quiet,
  });
  const { history } = result;
  const last = history.at(-1);
  tellOutcome(result, flags, t.steps, started);
  // the charts of the run, also after a signal stopped it (not when nothing was trained)
  if (!result.finished && history.length) {
    await writeReport([resolve(flags.out)], join(resolve(flags.out), 'report.html'));
    info(`train: charts: ${join(flags.out, 'report.html')}`);
  }
  if (flags.json)
    printJson({
      command: 'train',
      backend,
      out: flags.out,
      steps: last?.step ?? 0,
      loss: last?.loss ?? null,
      val_loss: [...history].reverse().find((m) => m.val_loss !== undefined)?.val_loss ?? null,
      stopped: result.stopped ?? null,
      finished: Boolean(result.finished),
      checkpoint: result.checkpoint ?? null,
      best: result.best ?? null,
      restarts: result.restarts,
      rollbacks: result.rollbacks,
      history,
    });
  return 0;
}

/** What a person reads when the run ends: why it stopped and how to go on, or how it went and where the checkpoints are. */
function tellOutcome(
  result: TrainResult,
  flags: { config: string; data: string; out: string },
  steps: number,
  started: number,
): void {
  const { history } = result;
  const last = history.at(-1);
  if (result.stopped) {
    info(
      `train: stopped by ${result.stopped} after step ${last?.step ?? '?'}; checkpoint ${result.checkpoint ?? 'none'}`,
    );
    info(`train: to continue: moe train --config ${flags.config} --data ${flags.data} --out ${flags.out} --resume`);
  }
  if (result.restarts || result.rollbacks)
    info(`train: ${result.restarts} worker restart(s), ${result.rollbacks} rollback(s) (see metrics.jsonl)`);
  if (result.checkpoint && !result.finished && !result.stopped) {
    const vals = history.filter((m) => m.val_loss !== undefined);
    const best = vals.reduce<(typeof vals)[number] | undefined>(
      (b, m) => (b === undefined || m.val_loss! < b.val_loss! ? m : b),
      undefined,
    );
    const lastVal = vals.at(-1);
    info(
      `train: done: step ${last?.step ?? '?'} of ${steps} in ${((Date.now() - started) / 1000).toFixed(0)} s; loss ${last?.loss.toFixed(4) ?? '-'}${lastVal ? `, validation ${lastVal.val_loss!.toFixed(4)}${best && best !== lastVal ? ` (best ${best.val_loss!.toFixed(4)} at step ${best.step})` : ''}` : ''}`,
    );
    info(
      `train: last checkpoint ${result.checkpoint}${result.best && result.best !== result.checkpoint ? `; best (validation loss) ${result.best}` : ''}`,
    );
  }
}

async function loadModel(checkpoint: string) {
  const ck = await loadCheckpoint(resolve(checkpoint));
  const params = initParams(ck.model, 0);
  assignParams(params, ck.tensors, checkpoint);
  return { ...ck, params };
}

export async function evalCommand(flags: {
  checkpoint: string;
  data: string;
  maxTokens?: number;
  backend: BackendName;
  json?: boolean;
}): Promise<number> {
  await selectBackend(flags.backend);
  const { model, params, state } = await loadModel(flags.checkpoint);
  const shards = readShardsInfo(flags.data);
  checkVocab(shards.vocab_size, model.vocab_size, flags.data);
  checkTokenizer(state, shards.tokenizer_sha256, flags.checkpoint, flags.data);
  const loader = new ShardLoader(join(flags.data, shards.splits.val.prefix), model.vocab_size);
  const r = evaluate(params, model, loader, flags.maxTokens ?? Number.POSITIVE_INFINITY);
  loader.close();
  if (!r.tokens)
    throw new DataError(
      `the validation split of ${flags.data} holds no window of ${model.max_seq_len + 1} tokens`,
      'tokenize with a larger --val-fraction',
    );
  if (flags.json) printJson({ command: 'eval', loss: r.loss, perplexity: Math.exp(r.loss), tokens: r.tokens });
  else
    process.stdout.write(
      `loss ${r.loss.toFixed(6)}  perplexity ${Math.exp(r.loss).toFixed(4)}  (${r.tokens} tokens)\n`,
    );
  return 0;
}

export async function generateCommand(flags: {
  checkpoint: string;
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
  tokenizer?: string;
  backend: BackendName;
  json?: boolean;
}): Promise<number> {
  // a tokenizer the user named must be the one used: falling back to the run's would decode with another
  if (flags.tokenizer !== undefined && !(await exists(flags.tokenizer)))
    throw new UserError(
      `--tokenizer ${flags.tokenizer} not found`,
      "pass an existing tokenizer.json, or leave --tokenizer out to use the run's copy",
    );
  await selectBackend(flags.backend);
  const { model, params, state } = await loadModel(flags.checkpoint);
  const candidates = [
    flags.tokenizer,
    join(flags.checkpoint, 'tokenizer.json'),
    join(dirname(dirname(resolve(flags.checkpoint))), 'tokenizer.json'),
  ].filter((x): x is string => Boolean(x));
  let tokPath: string | undefined;
  for (const c of candidates)
    if (await exists(c)) {
      tokPath = c;
      break;
    }
  if (!tokPath)
    throw new UserError(
      `no tokenizer.json for ${flags.checkpoint}`,
      'pass --tokenizer FILE (the run folder keeps a copy when trained with moe train)',
    );
  const tok = BpeTokenizer.load(tokPath);
  if (tok.vocabSize > model.vocab_size)
    throw new UserError(
      `${tokPath} has ${tok.vocabSize} ids, more than the model's vocab_size ${model.vocab_size}: it is not the tokenizer the model was trained with`,
      'pass the tokenizer.json of the shards the model was trained on (the run folder keeps a copy)',
    );
  const tokSha = sha256File(tokPath);
  if (state.tokenizer_sha256 && tokSha !== state.tokenizer_sha256) {
    throw new UserError(
      `${tokPath} (sha256 ${tokSha.slice(0, 16)}…) is not the tokenizer ${flags.checkpoint} was trained with (${state.tokenizer_sha256.slice(0, 16)}…)`,
      'pass the tokenizer.json of the shards the model was trained on (the run folder keeps a copy)',
    );
  }
  const ids = tok.encode(flags.prompt);
  if (!ids.length) throw new UserError('the prompt is empty');
  const eot = tok.special(EOT_NAMES);
  let printed = 0;
  const out = generate(
    params,
    model,
    ids,
    {
      maxNewTokens: flags.maxNewTokens,
      temperature: flags.temperature,
      topK: flags.topK,
      topP: flags.topP,
      seed: flags.seed,
      stop: eot,
    },
    (so) => {
      // stream whole characters only: a token may end in the middle of a UTF-8 sequence
      if (flags.json) return;
      const text = tok.decode(so);
      if (!text.endsWith('\ufffd')) {
        process.stdout.write(text.slice(printed));
        printed = text.length;
      }
    },
  );
  if (flags.json) printJson({ command: 'generate', prompt_ids: ids, ids: out, text: tok.decode(out) });
  else process.stdout.write(`${tok.decode(out).slice(printed)}\n`);
  return 0;
}
