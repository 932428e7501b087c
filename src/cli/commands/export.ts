/** `moe export megatron`: a training run as the Megatron-LM command line that trains the same model. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError, UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { exists, writeFileAtomic } from '../../io/files.js';
import { TrainSchema } from '../../train/config.js';
import { megatronArgs, megatronScript } from '../../train/export-megatron.js';
import { parseModelConfig } from '../../train/model/config.js';

export async function exportMegatronCommand(flags: { run: string; data?: string; out?: string }): Promise<number> {
  const run = resolve(flags.run);
  const file = join(run, 'train_config.json');
  if (!(await exists(file))) throw new UserError(`${flags.run} has no train_config.json`, 'pass a run folder written by moe train (its --out)');
  let raw: { model?: unknown; train?: unknown; data?: string };
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as typeof raw;
  } catch {
    throw new DataError(`${file} is not valid JSON`, 'the run folder is damaged; train again, or write train_config.json by hand');
  }
  const model = parseModelConfig(raw.model, file);
  const parsed = TrainSchema.safeParse(raw.train);
  if (!parsed.success) throw new DataError(`${file}: its train section is not a moe train config (${parsed.error.issues[0]?.message})`);
  const data = flags.data ? resolve(flags.data) : raw.data;
  if (!data) throw new UserError(`${file} does not say which shards the run trained on`, 'pass --data DIR, the folder written by moe tokenize');
  const script = megatronScript(megatronArgs(model, parsed.data, { data, tokenizerDir: run, save: join(run, 'megatron-checkpoints') }));
  const out = resolve(flags.out ?? join(run, 'megatron.sh'));
  await writeFileAtomic(out, script);
  process.stdout.write(script);
  info(`export: the Megatron-LM command line for ${flags.run} → ${out} (run it from a Megatron-LM checkout)`);
  return 0;
}
