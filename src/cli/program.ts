/**
 * `createProgram()`: a fresh commander program (tests build their own). Commands are declared
 * here with their options and help; their implementations load lazily, so `moe --help` never
 * loads tfjs, SQLite or the parsers.
 */
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { TOOL_VERSION } from '../core/stage.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Worker threads: at most 1,024 (a typo such as 1e20 would try to start that many). */
function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError('expected a whole number from 1 to 1024');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || value.trim() === '') throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

/** A number parser for `(lo, hi]` (`lo` itself allowed when `closedLow`): NaN, text and infinities are refused. */
function numberIn(lo: number, hi: number, closedLow = true): (value: string) => number {
  const range = `${closedLow ? '[' : '('}${lo}, ${hi === Number.POSITIVE_INFINITY ? '∞)' : `${hi}]`}`;
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n > hi || (closedLow ? n < lo : n <= lo)) throw new InvalidArgumentError(`expected a number in ${range}`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const workersOption = (): Option =>
  new Option('--workers <n>', 'worker threads for CPU work (output is identical for any N)').argParser(workerCount).default(availableParallelism(), 'number of cores');
const setOption = (): Option => new Option('--set <key=value>', 'override a config key, e.g. --set ingest.code.maxFileBytes=500000 (repeatable)').argParser(collect).default([]);

export function createProgram(): Command {
  const program = new Command('moe')
    .description('Curate code, arXiv and web corpora into deduplicated training shards, and train a DeepSeekMoE-style model.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ outputError: (str, write) => write(`moe: error: ${str.replace(/^error: /, '')}`) });

  program
    .command('ingest')
    .description('read code trees, arXiv sources and web crawls (WARC/WET/JSONL) into document part files')
    .argument('<path...>', 'input files or folders')
    .requiredOption('--out <dir>', 'output folder (part-*.jsonl.gz + report.json)')
    .addOption(new Option('--source <kind>', 'source family of the inputs').choices(['auto', 'code', 'arxiv', 'web']))
    .option('--shard <I/N>', 'process only the I-th of N deterministic partitions of the input files')
    .addOption(workersOption())
    .option('--config <file>', 'YAML config; its `ingest` section is used')
    .addOption(setOption())
    .option('--strict', 'exit 1 if any input file could not be read')
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExamples:\n  moe ingest fixtures/code/tinyrepo --out runs/code --source code\n  moe ingest fixtures/web/crawl.warc.gz fixtures/arxiv --out runs/mixed --shard 0/4 --workers 2\n')
    .action(async (paths: string[], opts) => {
      const { ingestCommand } = await import('./commands/ingest.js');
      process.exitCode = await ingestCommand(paths, opts);
    });

  program
    .command('filter')
    .description('keep or drop documents with quality heuristics and statistical filters; report what each filter costs')
    .requiredOption('--in <dir>', 'a stage folder of part files (e.g. the output of moe ingest)')
    .option('--out <dir>', 'output folder (kept part files, rejected/ with --keep-rejected, report.json)')
    .option('--config <file>', 'YAML config; its `filter` section is used')
    .addOption(setOption())
    .option('--keep-rejected', 'also write every rejected document, with metadata.filter = {name, reason, value}')
    .option('--annotate', 'write every filter\'s verdict and measured values on each output document (metadata.filters)')
    .option('--dry-run', 'measure every filter and print the report; write nothing')
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExamples:\n  moe filter --in runs/demo/ingest --out runs/filtered --keep-rejected\n  moe filter --in runs/demo/ingest --dry-run --set filter.web.params.gopher-quality.minWords=30\n  moe filter --in runs/demo/ingest --out runs/fineweb-like --annotate --set filter.compat=datatrove\n')
    .action(async (opts) => {
      const { filterCommand } = await import('./commands/filter.js');
      process.exitCode = await filterCommand(opts);
    });

  const dedup = program
    .command('dedup')
    .enablePositionalOptions()
    .description('remove exact and near duplicates (MinHash LSH), against everything the SQLite index has seen')
    // not commander-required: `dedup inspect` shares the command name and has its own options
    .option('--in <dir>', 'a stage folder of part files (e.g. the output of moe filter) (required)')
    .option('--out <dir>', 'output folder (kept part files, removed/, report.json) (required)')
    .option('--db <file>', 'the SQLite index; reuse it for the next batch to deduplicate across batches (required)')
    .addOption(new Option('--threshold <j>', 'Jaccard similarity the LSH bands are tuned for (instead of --bands/--rows)').argParser(numberIn(0, 1, false)).conflicts(['bands', 'rows']))
    .addOption(new Option('--bands <n>', 'LSH bands (default 14)').argParser(positiveInt))
    .addOption(new Option('--rows <n>', 'rows per band (default 8)').argParser(positiveInt))
    .addOption(new Option('--ngram <n>', 'words per shingle (default 5)').argParser(positiveInt))
    .option('--against <file...>', 'evaluation sets (JSONL items): drop training documents sharing a word n-gram with any item')
    .addOption(new Option('--against-ngram <n>', 'words per decontamination n-gram (default 13)').argParser(positiveInt))
    .option('--drop-all-copies', 'remove every member of a duplicate cluster, the earliest too')
    .option('--verify', 'check candidate pairs by their true Jaccard similarity (threshold: --threshold, else 0.8)')
    .option('--shard <I/N>', 'only compute the signatures of the I-th of N partitions of the input parts into --out (then moe dedup merge)')
    .option('--config <file>', 'YAML config; its `dedup` section is used')
    .addOption(setOption())
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExamples:\n  moe dedup --in runs/demo/filter --out runs/dedup-a --db runs/dedup.sqlite\n  moe dedup --in runs/filtered --out runs/dedup-b --db runs/dedup.sqlite   # a second batch, against the first too\n')
    .action(async (opts) => {
      const { dedupCommand } = await import('./commands/dedup.js');
      process.exitCode = await dedupCommand(opts);
    });
  dedup
    .command('merge')
    .description('build the index and clusters from the signature parts of a sharded dedup, then write the output as one run would')
    .requiredOption('--in <dir>', 'the whole input folder the shards were computed from')
    .requiredOption('--signatures <file...>', 'every shard\'s signatures-I-of-N.bin')
    .requiredOption('--db <file>', 'the SQLite index')
    .requiredOption('--out <dir>', 'output folder')
    .addOption(new Option('--bands <n>', 'LSH bands (as the shards)').argParser(positiveInt))
    .addOption(new Option('--rows <n>', 'rows per band (as the shards)').argParser(positiveInt))
    .addOption(new Option('--ngram <n>', 'words per shingle (as the shards)').argParser(positiveInt))
    .option('--config <file>', 'YAML config; its `dedup` section is used')
    .addOption(setOption())
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExample (after moe dedup --in runs/demo/filter --shard I/2 --out runs/sigs for I = 0 and 1, on two machines):\n  moe dedup merge --in runs/demo/filter --signatures runs/sigs/*.bin --db runs/merged.sqlite --out runs/merged\n')
    .action(async (opts) => {
      const { dedupMergeCommand } = await import('./commands/dedup.js');
      process.exitCode = await dedupMergeCommand(opts);
    });
  dedup
    .command('inspect')
    .description('show the cluster of a document in a dedup index')
    .requiredOption('--db <file>', 'the SQLite index')
    .option('--cluster <id>', 'a cluster id (the id of its kept document)')
    .option('--doc <id>', 'any document id')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  moe dedup inspect --db runs/dedup.sqlite --doc web/crawl.warc.gz#3\n')
    .action(async (opts) => {
      const { dedupInspectCommand } = await import('./commands/dedup.js');
      process.exitCode = await dedupInspectCommand(opts);
    });

  program
    .command('tokenizer')
    .description('byte-level BPE tokenizers')
    .command('train')
    .description('train a byte-level BPE tokenizer.json (Hugging Face format) on curated text')
    .requiredOption('--in <path>', 'training text: a stage folder, JSONL with a "text" field, or .txt files')
    .addOption(new Option('--vocab-size <n>', 'vocabulary size, special tokens included').argParser(positiveInt).makeOptionMandatory())
    .requiredOption('--out <file>', 'tokenizer.json to write')
    .addOption(new Option('--pattern <name>', 'pre-tokenization regex family').choices(['gpt2', 'llama3', 'deepseek']).default('llama3'))
    .addOption(new Option('--special <token>', 'a special token (repeatable; default <|endoftext|>)').argParser(collect).default([]))
    .addOption(new Option('--min-frequency <n>', 'stop when the best pair occurs fewer times').argParser(positiveInt).default(2))
    .addOption(new Option('--max-bytes <n>', 'read at most this many bytes of text').argParser(positiveInt))
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExample:\n  moe tokenizer train --in runs/demo/dedup --vocab-size 4096 --out runs/tokenizer.json\n')
    .action(async (opts) => {
      const { tokenizerTrainCommand } = await import('./commands/tokenizer.js');
      process.exitCode = await tokenizerTrainCommand(opts);
    });

  program
    .command('tokenize')
    .description('encode documents with a Hugging Face BPE tokenizer.json into Megatron .bin/.idx shards (train and validation)')
    .requiredOption('--in <dir>', 'a stage folder of part files (e.g. the output of moe dedup)')
    .requiredOption('--tokenizer <file>', 'a Hugging Face BPE tokenizer.json: byte-level (GPT-2, Llama 3, Qwen, DeepSeek-V3) or SentencePiece-style (Llama 2, Mistral, Gemma)')
    .requiredOption('--out <dir>', 'output folder: train_text_document.bin/.idx, val_text_document.bin/.idx, shards.json')
    .addOption(new Option('--val-fraction <f>', 'share of documents (by a hash of their id) in the validation split').argParser(numberIn(0, 1)).default(0.01))
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExample:\n  moe tokenize --in runs/demo/dedup --tokenizer runs/tokenizer.json --out runs/shards-4k --val-fraction 0.05\n')
    .action(async (opts) => {
      const { tokenizeCommand } = await import('./commands/tokenize.js');
      process.exitCode = await tokenizeCommand(opts);
    });

  program
    .command('shards')
    .description('look at Megatron shards')
    .command('inspect')
    .description('print the statistics of a shard folder, and a document\'s tokens and text')
    .argument('<dir>', 'a folder written by moe tokenize')
    .addOption(new Option('--split <name>', 'which split').choices(['train', 'val']).default('train'))
    .addOption(new Option('--doc <n>', 'print document n (0-based) of the split').argParser(nonNegativeInt))
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  moe shards inspect runs/demo/shards --doc 0\n')
    .action(async (dir: string, opts) => {
      const { shardsInspectCommand } = await import('./commands/tokenize.js');
      process.exitCode = await shardsInspectCommand(dir, opts);
    });

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
    .addHelpText('after', '\nExample:\n  moe lm train --in fixtures/quality/clean-train.txt --out runs/lm.bin --order 3\n')
    .action(async (opts) => {
      const { lmTrainCommand } = await import('./commands/models.js');
      process.exitCode = await lmTrainCommand(opts);
    });

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
    .addHelpText('after', '\nExample:\n  moe classifier train --positive fixtures/quality/clean-train.txt --negative fixtures/quality/junk-train.txt --out runs/clf.bin\n')
    .action(async (opts) => {
      const { classifierTrainCommand } = await import('./commands/models.js');
      process.exitCode = await classifierTrainCommand(opts);
    });

  const backendOption = (): Option => new Option('--backend <name>', 'TensorFlow.js backend').choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).default('auto');
  program
    .command('train')
    .description('train the DeepSeekMoE-style model of a config on Megatron shards, with checkpoints and resume')
    .requiredOption('--config <file>', 'YAML with `model` (config.json fields) and `train` sections (see configs/)')
    .requiredOption('--data <dir>', 'a folder written by moe tokenize')
    .requiredOption('--out <dir>', 'run folder: metrics.jsonl, checkpoints/, tokenizer.json')
    .option('--resume', 'continue from the latest checkpoint in --out')
    .addOption(backendOption())
    .addOption(new Option('--max-steps <n>', 'stop after this step (with a checkpoint), keeping the configured schedule').argParser(positiveInt))
    .addOption(new Option('--max-restarts <n>', 'restart a crashed or hung worker from the last checkpoint up to N times').argParser(nonNegativeInt).default(0))
    .addOption(new Option('--workers <n>', 'data-parallel replicas in worker threads, one micro-batch each (at most train.gradAccum; weights are identical for any N)').argParser(workerCount).default(availableParallelism(), 'number of cores'))
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExample:\n  moe train --config configs/train-demo.yaml --data runs/demo/shards --out runs/train-demo --max-steps 50\n')
    .action(async (opts) => {
      const { trainCommand } = await import('./commands/train.js');
      process.exitCode = await trainCommand(opts);
    });

  const exportCmd = program.command('export').description('hand a trained run to other tools');
  exportCmd
    .command('megatron')
    .description('print (and write to a script) the Megatron-LM command line that trains the same MoE model on the same shards with the same schedule')
    .requiredOption('--run <dir>', 'a run folder written by moe train')
    .option('--data <dir>', 'the shards (default: the folder the run trained on, from train_config.json)')
    .option('--out <file>', 'the script to write (default: RUN/megatron.sh)')
    .addHelpText('after', '\nExample:\n  moe export megatron --run runs/train-demo\n')
    .action(async (opts) => {
      const { exportMegatronCommand } = await import('./commands/export.js');
      process.exitCode = await exportMegatronCommand(opts);
    });

  exportCmd
    .command('hf')
    .description('write a checkpoint as a Hugging Face-style folder: config.json (DeepseekForCausalLM), model.safetensors, tokenizer.json, generation_config.json')
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder (RUN/checkpoints/step-NNNNNN)')
    .requiredOption('--out <dir>', 'a new folder for the exported model')
    .addOption(new Option('--dtype <type>', 'weights in float32 or bfloat16').choices(['fp32', 'bf16']).default('fp32'))
    .option('--tokenizer <file>', "tokenizer.json (default: the run's)")
    .addHelpText('after', '\nExample:\n  moe export hf --checkpoint runs/demo/train/checkpoints/step-000400 --out runs/demo-hf\n')
    .action(async (opts) => {
      const { exportHfCommand } = await import('./commands/export.js');
      process.exitCode = await exportHfCommand(opts);
    });

  program
    .command('eval')
    .description('mean next-token cross-entropy and perplexity of a checkpoint on the validation split')
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder (RUN/checkpoints/step-NNNNNN)')
    .requiredOption('--data <dir>', 'a folder written by moe tokenize')
    .addOption(new Option('--max-tokens <n>', 'evaluate at most this many tokens').argParser(positiveInt))
    .addOption(backendOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .addHelpText('after', '\nExample:\n  moe eval --checkpoint runs/demo/train/checkpoints/step-000400 --data runs/demo/shards\n')
    .action(async (opts) => {
      const { evalCommand } = await import('./commands/train.js');
      process.exitCode = await evalCommand(opts);
    });

  program
    .command('generate')
    .description('continue a prompt with a checkpoint, streaming tokens to stdout')
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder')
    .requiredOption('--prompt <text>', 'the text to continue')
    .addOption(new Option('--max-new-tokens <n>', 'tokens to generate').argParser(positiveInt).default(64))
    .addOption(new Option('--temperature <t>', '0 = greedy').argParser(numberIn(0, Number.POSITIVE_INFINITY)).default(0))
    .addOption(new Option('--top-k <n>', 'sample among the k most likely').argParser(positiveInt))
    .addOption(new Option('--top-p <p>', 'sample within this probability mass').argParser(numberIn(0, 1, false)))
    .addOption(new Option('--seed <n>', 'sampling seed').argParser(nonNegativeInt).default(0))
    .option('--tokenizer <file>', 'tokenizer.json (default: the one beside the run)')
    .addOption(backendOption())
    .option('--json', 'print the prompt ids, the new ids and their text as JSON instead of streaming')
    .addHelpText('after', '\nExample:\n  moe generate --checkpoint runs/demo/train/checkpoints/step-000400 --prompt "The river" --temperature 0\n')
    .action(async (opts) => {
      const { generateCommand } = await import('./commands/train.js');
      process.exitCode = await generateCommand(opts);
    });

  program
    .command('curate')
    .description('run the curation pipeline of a config into a run folder, with manifest.json and report.json')
    .requiredOption('--config <file>', 'YAML config (see configs/)')
    .option('--out <dir>', 'run folder (default: runs/<config name>)')
    .addOption(workersOption())
    .addOption(setOption())
    .option('--strict', 'stop at the first input file that cannot be read (exit 1, naming it)')
    .addOption(new Option('--until <stage>', 'stop after this stage (no manifest until a run goes through tokenize)').choices(['ingest', 'filter', 'dedup', 'tokenize']))
    .addOption(new Option('--from <stage>', 'run this stage and the ones after it even when they are up to date').choices(['ingest', 'filter', 'dedup', 'tokenize']))
    .option('--plan', 'say which stages would run and why (no output yet, inputs or settings changed, --from), and write nothing')
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExamples:\n  moe curate --config configs/demo.yaml --out runs/demo\n  moe curate --config configs/demo.yaml --out runs/demo --until filter\n  moe curate --config configs/demo.yaml --out runs/demo --from dedup\n  moe curate --config configs/demo.yaml --out runs/demo --plan --set filter.web.params.c4.minSentences=3\n')
    .action(async (opts) => {
      const { curateCommand } = await import('./commands/curate.js');
      process.exitCode = await curateCommand(opts);
    });

  program
    .command('verify')
    .description('re-hash the files of a curated run (or stage folder) against its manifest')
    .argument('<dir>', 'run folder holding manifest.json, or a stage folder holding report.json')
    .option('--against <manifest>', 'also require the same output files, byte for byte (by sha256), as this manifest (a committed one, to reproduce a dataset)')
    .option('--json', 'print a machine-readable summary on stdout')
    .addHelpText('after', '\nExamples:\n  moe verify runs/demo\n  moe curate --config configs/reproduce.yaml --out runs/reproduce && moe verify runs/reproduce --against configs/reproduce.manifest.json\n')
    .action(async (dir: string, opts) => {
      const { verifyCommand } = await import('./commands/verify.js');
      process.exitCode = await verifyCommand(dir, opts);
    });

  program
    .command('demo')
    .description('the whole pipeline on the bundled inputs: curate configs/demo.yaml, train the demo MoE on it, print a sample, write the report')
    .option('--out <dir>', 'run folder (the filter models go beside it, in <dir>-models)', 'runs/demo')
    .addOption(workersOption())
    .addOption(backendOption())
    .addHelpText('after', '\nExample:\n  moe demo\n')
    .action(async (opts) => {
      const { demoCommand } = await import('./commands/demo.js');
      process.exitCode = await demoCommand(opts);
    });

  program
    .command('report')
    .description('write one self-contained HTML page of charts for curation and/or training runs (opens offline)')
    .argument('<run...>', 'run folders: the --out of moe curate and/or of moe train')
    .option('--out <file>', 'the HTML file to write (default: report.html in the first run folder)')
    .option('--json', 'print a machine-readable summary on stdout')
    .addHelpText('after', '\nExamples:\n  moe report runs/demo\n  moe report runs/demo runs/demo/train --out runs/demo/report.html\n')
    .action(async (runs: string[], opts) => {
      const { reportCommand } = await import('./commands/report.js');
      process.exitCode = await reportCommand(runs, opts);
    });

  return program;
}
