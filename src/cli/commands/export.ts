/** `moe export megatron` and `moe export hf`: a trained run handed to Megatron-LM and to Hugging Face–style tools. */
import { dirname, join, resolve } from 'node:path';
import { DataError, UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { checkOutFolder } from '../../io/stage-dir.js';
import {
  commitDir,
  copyFile,
  exists,
  freshDir,
  listDir,
  readText,
  removeTree,
  sha256File,
  tempDirFor,
  writeFileAtomic,
  writeJsonAtomic,
} from '../../io/files.js';
import { toBf16, type WritableTensor, writeSafetensors } from '../../io/safetensors.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import { EOT_NAMES } from '../../tokenizer/run.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { hfConfig } from '../../train/export-hf.js';
import { TrainSchema } from '../../train/config.js';
import { megatronArgs, megatronScript } from '../../train/export-megatron.js';
import { parseModelConfig } from '../../train/model/config.js';

export async function exportMegatronCommand(flags: { run: string; data?: string; out?: string }): Promise<number> {
  const run = resolve(flags.run);
  const file = join(run, 'train_config.json');
  if (!(await exists(file)))
    throw new UserError(`${flags.run} has no train_config.json`, 'pass a run folder written by moe train (its --out)');
  let raw: { model?: unknown; train?: unknown; data?: string };
  try {
    raw = JSON.parse(await readText(file)) as typeof raw;
  } catch {
    throw new DataError(
      `${file} is not valid JSON`,
      'the run folder is damaged; train again, or write train_config.json by hand',
    );
  }
  const model = parseModelConfig(raw.model, file);
  const parsed = TrainSchema.safeParse(raw.train);
  if (!parsed.success)
    throw new DataError(`${file}: its train section is not a moe train config (${parsed.error.issues[0]?.message})`);
  const data = flags.data ? resolve(flags.data) : raw.data;
  if (!data)
    throw new UserError(
      `${file} does not say which shards the run trained on`,
      'pass --data DIR, the folder written by moe tokenize',
    );
  const script = megatronScript(
    megatronArgs(model, parsed.data, { data, tokenizerDir: run, save: join(run, 'megatron-checkpoints') }),
  );
  const out = resolve(flags.out ?? join(run, 'megatron.sh'));
  await writeFileAtomic(out, script);
  process.stdout.write(script);
  info(`export: the Megatron-LM command line for ${flags.run} → ${out} (run it from a Megatron-LM checkout)`);
  return 0;
}

/** `moe export hf`: a checkpoint as a Hugging Face–style folder another implementation loads. */
export async function exportHfCommand(flags: {
  checkpoint: string;
  out: string;
  dtype: 'fp32' | 'bf16';
  tokenizer?: string;
}): Promise<number> {
  const out = resolve(flags.out);
  await checkOutFolder(out);
  if ((await exists(out)) && (await listDir(out)).length > 0)
    throw new UserError(`--out ${flags.out} already holds files`, 'name a new folder for the exported model');
  const ck = resolve(flags.checkpoint);
  const loaded = await loadCheckpoint(ck);
  const candidates = [
    flags.tokenizer && resolve(flags.tokenizer),
    join(ck, 'tokenizer.json'),
    join(dirname(dirname(ck)), 'tokenizer.json'),
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
      'pass --tokenizer FILE, the tokenizer of the shards the model was trained on',
    );
  const tokSha = sha256File(tokPath);
  if (loaded.state.tokenizer_sha256 && tokSha !== loaded.state.tokenizer_sha256) {
    throw new UserError(
      `${tokPath} (sha256 ${tokSha.slice(0, 16)}…) is not the tokenizer ${flags.checkpoint} was trained with (${loaded.state.tokenizer_sha256.slice(0, 16)}…)`,
      'pass --tokenizer with the tokenizer.json of the shards the model was trained on',
    );
  }
  const eot = BpeTokenizer.load(tokPath).special(EOT_NAMES);
  const dtype = flags.dtype === 'bf16' ? 'bfloat16' : 'float32';
  const tmp = tempDirFor(out);
  await freshDir(tmp);
  try {
    await writeJsonAtomic(join(tmp, 'config.json'), hfConfig(loaded.model, { dtype, eotId: eot }));
    const tensors: Record<string, WritableTensor> = {};
    for (const [name, t] of loaded.tensors)
      tensors[name] =
        flags.dtype === 'bf16' && t.dtype === 'F32'
          ? { dtype: 'BF16', shape: t.shape, data: toBf16(t.data as Float32Array) }
          : t;
    await writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
    await copyFile(tokPath, join(tmp, 'tokenizer.json'));
    await writeJsonAtomic(join(tmp, 'generation_config.json'), {
      ...(eot !== undefined ? { eos_token_id: eot } : {}),
      do_sample: false,
      max_length: loaded.model.max_seq_len,
    });
    await commitDir(tmp, out);
  } catch (e) {
    await removeTree(tmp);
    throw e;
  }
  info(
    `export: ${flags.checkpoint} → ${flags.out} (config.json, model.safetensors in ${dtype}, tokenizer.json, generation_config.json)`,
  );
  return 0;
}
