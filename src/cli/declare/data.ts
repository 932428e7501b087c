/**
 * The data commands (ingest, filter, dedup run | signatures | merge | inspect, tokenizer train,
 * tokenize, shards inspect): options, help and a lazy import of each implementation.
 */
import { type Command, Option } from '@commander-js/extra-typings';
import { DEDUP_DEFAULTS } from '../../config/defaults.js';
import {
  collect,
  DEDUP_FOLDERS,
  dedupRunOptions,
  minhashOptions,
  nonNegativeInt,
  numberIn,
  positiveInt,
  setOption,
  workersOption,
} from '../options.js';

export function declareDataCommands(program: Command): void {
  ingest(program);
  filter(program);
  dedup(program);
  tokenizer(program);
  tokenize(program);
  shards(program);
}

/** `moe ingest` */
function ingest(program: Command): void {
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
    .addHelpText(
      'after',
      '\nExamples:\n  moe ingest fixtures/code/tinyrepo --out runs/code --source code\n  moe ingest fixtures/web/crawl.warc.gz fixtures/arxiv --out runs/mixed --shard 0/4 --workers 2\n',
    )
    .action(async (paths: string[], opts) => {
      const { ingestCommand } = await import('../commands/ingest.js');
      process.exitCode = await ingestCommand(paths, opts);
    });
}

/** `moe filter` */
function filter(program: Command): void {
  program
    .command('filter')
    .description(
      'keep or drop documents with quality heuristics and statistical filters; report what each filter costs',
    )
    .requiredOption('--in <dir>', 'a stage folder of part files (e.g. the output of moe ingest)')
    .option('--out <dir>', 'output folder (kept part files, rejected/ with --keep-rejected, report.json)')
    .option('--config <file>', 'YAML config; its `filter` section is used')
    .addOption(setOption())
    .option('--keep-rejected', 'also write every rejected document, with metadata.filter = {name, reason, value}')
    .option('--annotate', "write every filter's verdict and measured values on each output document (metadata.filters)")
    .option('--dry-run', 'measure every filter and print the report; write nothing')
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      '\nExamples:\n  moe filter --in runs/demo/ingest --out runs/filtered --keep-rejected\n  moe filter --in runs/demo/ingest --dry-run --set filter.web.params.gopher-quality.minWords=30\n  moe filter --in runs/demo/ingest --out runs/fineweb-like --annotate --set filter.compat=datatrove\n',
    )
    .action(async (opts) => {
      const { filterCommand } = await import('../commands/filter.js');
      process.exitCode = await filterCommand(opts);
    });
}

/** `moe dedup` (the run itself), `dedup run` and `dedup signatures` */
function dedup(program: Command): void {
  const dedup = dedupRunOptions(
    program
      .command('dedup')
      .enablePositionalOptions()
      .description(
        'remove exact and near duplicates (MinHash LSH), against everything the SQLite index has seen; ' +
          '`moe dedup --in …` is `moe dedup run --in …`',
      )
      .option('--in <dir>', `${DEDUP_FOLDERS.in} (required)`)
      .option('--out <dir>', `${DEDUP_FOLDERS.out} (required)`)
      .option('--db <file>', `${DEDUP_FOLDERS.db} (required)`),
  )
    .option('--shard <I/N>', 'as moe dedup signatures: only the signatures of the I-th of N partitions, into --out')
    .addHelpText(
      'after',
      '\nExamples:\n  moe dedup --in runs/demo/filter --out runs/dedup-a --db runs/dedup.sqlite\n  moe dedup --in runs/filtered --out runs/dedup-b --db runs/dedup.sqlite   # a second batch, against the first too\n',
    )
    .action(async (opts) => {
      const { dedupCommand } = await import('../commands/dedup.js');
      process.exitCode = await dedupCommand(opts);
    });
  dedupRunOptions(
    dedup
      .command('run')
      .description('deduplicate a stage folder (the same as moe dedup --in …)')
      .requiredOption('--in <dir>', DEDUP_FOLDERS.in)
      .requiredOption('--out <dir>', DEDUP_FOLDERS.out)
      .requiredOption('--db <file>', DEDUP_FOLDERS.db),
  )
    .addHelpText(
      'after',
      '\nExample:\n  moe dedup run --in runs/demo/filter --out runs/dedup-a --db runs/dedup.sqlite\n',
    )
    .action(async (opts) => {
      const { dedupCommand } = await import('../commands/dedup.js');
      process.exitCode = await dedupCommand(opts);
    });
  minhashOptions(
    dedup
      .command('signatures')
      .description(
        'compute the MinHash signatures of the I-th of N partitions of the input parts (one machine of a sharded dedup; then moe dedup merge)',
      )
      .requiredOption('--in <dir>', 'the whole input folder (every shard reads the same one)')
      .requiredOption('--out <dir>', 'where signatures-I-of-N.bin goes')
      .requiredOption('--shard <I/N>', "this machine's partition, e.g. 0/4"),
  )
    .option('--config <file>', 'YAML config; its `dedup` section is used')
    .addOption(setOption())
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExample:\n  moe dedup signatures --in runs/demo/filter --shard 0/2 --out runs/sigs\n')
    .action(async (opts) => {
      const { dedupCommand } = await import('../commands/dedup.js');
      process.exitCode = await dedupCommand(opts);
    });
  dedupIndex(dedup);
}

/** `moe dedup merge` and `dedup inspect`, under the `dedup` command */
function dedupIndex(dedup: Command): void {
  dedup
    .command('merge')
    .description(
      'build the index and clusters from the signature parts of a sharded dedup, then write the output as one run would',
    )
    .requiredOption('--in <dir>', 'the whole input folder the shards were computed from')
    .requiredOption('--signatures <file...>', "every shard's signatures-I-of-N.bin")
    .requiredOption('--db <file>', 'the SQLite index')
    .requiredOption('--out <dir>', 'output folder')
    .addOption(
      new Option('--bands <n>', `LSH bands, as the shards (default ${DEDUP_DEFAULTS.bands})`).argParser(positiveInt),
    )
    .addOption(
      new Option('--rows <n>', `rows per band, as the shards (default ${DEDUP_DEFAULTS.rows})`).argParser(positiveInt),
    )
    .addOption(
      new Option('--ngram <n>', `words per shingle, as the shards (default ${DEDUP_DEFAULTS.ngram})`).argParser(
        positiveInt,
      ),
    )
    .option('--config <file>', 'YAML config; its `dedup` section is used')
    .addOption(setOption())
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      '\nExample (after moe dedup --in runs/demo/filter --shard I/2 --out runs/sigs for I = 0 and 1, on two machines):\n  moe dedup merge --in runs/demo/filter --signatures runs/sigs/*.bin --db runs/merged.sqlite --out runs/merged\n',
    )
    .action(async (opts) => {
      const { dedupMergeCommand } = await import('../commands/dedup.js');
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
      const { dedupInspectCommand } = await import('../commands/dedup.js');
      process.exitCode = await dedupInspectCommand(opts);
    });
}

/** `moe tokenizer train` */
function tokenizer(program: Command): void {
  program
    .command('tokenizer')
    .description('byte-level BPE tokenizers')
    .command('train')
    .description('train a byte-level BPE tokenizer.json (Hugging Face format) on curated text')
    .requiredOption('--in <path>', 'training text: a stage folder, JSONL with a "text" field, or .txt files')
    .addOption(
      new Option('--vocab-size <n>', 'vocabulary size, special tokens included')
        .argParser(positiveInt)
        .makeOptionMandatory(),
    )
    .requiredOption('--out <file>', 'tokenizer.json to write')
    .addOption(
      new Option('--pattern <name>', 'pre-tokenization regex family')
        .choices(['gpt2', 'llama3', 'deepseek'])
        .default('llama3'),
    )
    .addOption(
      new Option('--special <token>', 'a special token (repeatable; default <|endoftext|>)')
        .argParser(collect)
        .default([] as string[]),
    )
    .addOption(
      new Option('--min-frequency <n>', 'stop when the best pair occurs fewer times').argParser(positiveInt).default(2),
    )
    .addOption(new Option('--max-bytes <n>', 'read at most this many bytes of text').argParser(positiveInt))
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      '\nExample:\n  moe tokenizer train --in runs/demo/dedup --vocab-size 4096 --out runs/tokenizer.json\n',
    )
    .action(async (opts) => {
      const { tokenizerTrainCommand } = await import('../commands/tokenizer.js');
      process.exitCode = await tokenizerTrainCommand(opts);
    });
}

/** `moe tokenize` */
function tokenize(program: Command): void {
  program
    .command('tokenize')
    .description(
      'encode documents with a Hugging Face BPE tokenizer.json into Megatron .bin/.idx shards (train and validation)',
    )
    .requiredOption('--in <dir>', 'a stage folder of part files (e.g. the output of moe dedup)')
    .requiredOption(
      '--tokenizer <file>',
      'a Hugging Face BPE tokenizer.json: byte-level (GPT-2, Llama 3, Qwen, DeepSeek-V3) or SentencePiece-style (Llama 2, Mistral, Gemma)',
    )
    .requiredOption(
      '--out <dir>',
      'output folder: train_text_document.bin/.idx, val_text_document.bin/.idx, shards.json',
    )
    .addOption(
      new Option('--val-fraction <f>', 'share of documents (by a hash of their id) in the validation split')
        .argParser(numberIn(0, 1))
        .default(0.01),
    )
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      '\nExample:\n  moe tokenize --in runs/demo/dedup --tokenizer runs/tokenizer.json --out runs/shards-4k --val-fraction 0.05\n',
    )
    .action(async (opts) => {
      const { tokenizeCommand } = await import('../commands/tokenize.js');
      process.exitCode = await tokenizeCommand(opts);
    });
}

/** `moe shards inspect` */
function shards(program: Command): void {
  program
    .command('shards')
    .description('look at Megatron shards')
    .command('inspect')
    .description("print the statistics of a shard folder, and a document's tokens and text")
    .argument('<dir>', 'a folder written by moe tokenize')
    .addOption(new Option('--split <name>', 'which split').choices(['train', 'val']).default('train'))
    .addOption(new Option('--doc <n>', 'print document n (0-based) of the split').argParser(nonNegativeInt))
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  moe shards inspect runs/demo/shards --doc 0\n')
    .action(async (dir: string, opts) => {
      const { shardsInspectCommand } = await import('../commands/tokenize.js');
      process.exitCode = await shardsInspectCommand(dir, opts);
    });
}
