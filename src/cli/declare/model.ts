/**
 * The model commands (lm train, classifier train, train, export megatron | hf, eval, generate):
 * options, help and a lazy import of each implementation.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from '@commander-js/extra-typings';
import { backendOption, nonNegativeInt, numberIn, positiveInt, workerCount } from '../options.js';

export function declareModelCommands(program: Command): void {
  lm(program);
  classifier(program);
  train(program);
  exportRun(program);
  evaluate(program);
  generate(program);
}

/** `moe lm train` */
function lm(program: Command): void {
  program
    .command('lm')
    .description('n-gram language models for the perplexity filter')
    .command('train')
    .description('train a Kneser-Ney word n-gram model on a clean reference corpus')
    .requiredOption('--in <path>', 'reference text: a stage folder, JSONL(.gz) with a "text" field, or .txt files')
    .requiredOption('--out <file>', 'model file to write (e.g. lm.bin)')
    .addOption(new Option('--order <n>', 'n-gram order').argParser(positiveInt).default(3))
    .addOption(new Option('--max-docs <n>', 'read at most this many documents').argParser(positiveInt))
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      '\nExample:\n  moe lm train --in fixtures/quality/clean-train.txt --out runs/lm.bin --order 3\n',
    )
    .action(async (opts) => {
      const { lmTrainCommand } = await import('../commands/models.js');
      process.exitCode = await lmTrainCommand(opts);
    });
}

/** `moe classifier train` */
function classifier(program: Command): void {
  program
    .command('classifier')
    .description('quality classifiers for the classifier filter')
    .command('train')
    .description('train a hashed n-gram logistic-regression quality classifier')
    .requiredOption('--positive <path>', 'examples of wanted text (stage folder, JSONL or .txt)')
    .requiredOption('--negative <path>', 'examples of unwanted text')
    .requiredOption('--out <file>', 'model file to write (e.g. clf.bin)')
    .addOption(new Option('--epochs <n>', 'passes over the data').argParser(positiveInt).default(8))
    .addOption(new Option('--seed <n>', 'shuffle seed').argParser(positiveInt).default(1))
    .addOption(new Option('--max-docs <n>', 'read at most this many documents per class').argParser(positiveInt))
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      '\nExample:\n  moe classifier train --positive fixtures/quality/clean-train.txt --negative fixtures/quality/junk-train.txt --out runs/clf.bin\n',
    )
    .action(async (opts) => {
      const { classifierTrainCommand } = await import('../commands/models.js');
      process.exitCode = await classifierTrainCommand(opts);
    });
}

/** `moe train` */
function train(program: Command): void {
  program
    .command('train')
    .description('train the DeepSeekMoE-style model of a config on Megatron shards, with checkpoints and resume')
    .requiredOption('--config <file>', 'YAML with `model` (config.json fields) and `train` sections (see configs/)')
    .requiredOption('--data <dir>', 'a folder written by moe tokenize')
    .requiredOption('--out <dir>', 'run folder: metrics.jsonl, checkpoints/, tokenizer.json')
    .option('--resume', 'continue from the latest checkpoint in --out')
    .addOption(backendOption())
    .addOption(
      new Option(
        '--max-steps <n>',
        'stop after this step (with a checkpoint), keeping the configured schedule',
      ).argParser(positiveInt),
    )
    .addOption(
      new Option('--max-restarts <n>', 'restart a crashed or hung worker from the last checkpoint up to N times')
        .argParser(nonNegativeInt)
        .default(0),
    )
    .addOption(
      new Option(
        '--workers <n>',
        'data-parallel replicas in worker threads, one micro-batch each (at most train.gradAccum; weights are identical for any N)',
      )
        .argParser(workerCount)
        .default(availableParallelism(), 'number of cores'),
    )
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      '\nExample:\n  moe train --config configs/train-demo.yaml --data runs/demo/shards --out runs/train-demo --max-steps 50\n',
    )
    .action(async (opts) => {
      const { trainCommand } = await import('../commands/train.js');
      process.exitCode = await trainCommand(opts);
    });
}

/** `moe export megatron` and `moe export hf` */
function exportRun(program: Command): void {
  const exportCmd = program.command('export').description('hand a trained run to other tools');
  exportCmd
    .command('megatron')
    .description(
      'print (and write to a script) the Megatron-LM command line that trains the same MoE model on the same shards with the same schedule',
    )
    .requiredOption('--run <dir>', 'a run folder written by moe train')
    .option('--data <dir>', 'the shards (default: the folder the run trained on, from train_config.json)')
    .option('--out <file>', 'the script to write (default: RUN/megatron.sh)')
    .addHelpText('after', '\nExample:\n  moe export megatron --run runs/train-demo\n')
    .action(async (opts) => {
      const { exportMegatronCommand } = await import('../commands/export.js');
      process.exitCode = await exportMegatronCommand(opts);
    });

  exportCmd
    .command('hf')
    .description(
      'write a checkpoint as a Hugging Face-style folder: config.json (DeepseekForCausalLM), model.safetensors, tokenizer.json, generation_config.json',
    )
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder (RUN/checkpoints/step-NNNNNN)')
    .requiredOption('--out <dir>', 'a new folder for the exported model')
    .addOption(new Option('--dtype <type>', 'weights in float32 or bfloat16').choices(['fp32', 'bf16']).default('fp32'))
    .option('--tokenizer <file>', "tokenizer.json (default: the run's)")
    .addHelpText(
      'after',
      '\nExample:\n  moe export hf --checkpoint runs/demo/train/checkpoints/step-000400 --out runs/demo-hf\n',
    )
    .action(async (opts) => {
      const { exportHfCommand } = await import('../commands/export.js');
      process.exitCode = await exportHfCommand(opts);
    });
}

/** `moe eval` */
function evaluate(program: Command): void {
  program
    .command('eval')
    .description('mean next-token cross-entropy and perplexity of a checkpoint on the validation split')
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder (RUN/checkpoints/step-NNNNNN)')
    .requiredOption('--data <dir>', 'a folder written by moe tokenize')
    .addOption(new Option('--max-tokens <n>', 'evaluate at most this many tokens').argParser(positiveInt))
    .addOption(backendOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .addHelpText(
      'after',
      '\nExample:\n  moe eval --checkpoint runs/demo/train/checkpoints/step-000400 --data runs/demo/shards\n',
    )
    .action(async (opts) => {
      const { evalCommand } = await import('../commands/train.js');
      process.exitCode = await evalCommand(opts);
    });
}

/** `moe generate` */
function generate(program: Command): void {
  program
    .command('generate')
    .description('continue a prompt with a checkpoint, streaming tokens to stdout')
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder')
    .requiredOption('--prompt <text>', 'the text to continue')
    .addOption(new Option('--max-new-tokens <n>', 'tokens to generate').argParser(positiveInt).default(64))
    .addOption(
      new Option('--temperature <t>', '0 = greedy').argParser(numberIn(0, Number.POSITIVE_INFINITY)).default(0),
    )
    .addOption(new Option('--top-k <n>', 'sample among the k most likely').argParser(positiveInt))
    .addOption(new Option('--top-p <p>', 'sample within this probability mass').argParser(numberIn(0, 1, false)))
    .addOption(new Option('--seed <n>', 'sampling seed').argParser(nonNegativeInt).default(0))
    .option('--tokenizer <file>', 'tokenizer.json (default: the one beside the run)')
    .addOption(backendOption())
    .option('--json', 'print the prompt ids, the new ids and their text as JSON instead of streaming')
    .addHelpText(
      'after',
      '\nExample:\n  moe generate --checkpoint runs/demo/train/checkpoints/step-000400 --prompt "The river" --temperature 0\n',
    )
    .action(async (opts) => {
      const { generateCommand } = await import('../commands/train.js');
      process.exitCode = await generateCommand(opts);
    });
}
