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
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const workersOption = (): Option =>
  new Option('--workers <n>', 'worker threads for CPU work (output is identical for any N)').argParser(positiveInt).default(availableParallelism(), 'number of cores');
const setOption = (): Option => new Option('--set <key=value>', 'override a config key, e.g. --set ingest.code.maxFileBytes=500000 (repeatable)').argParser(collect).default([]);

export function createProgram(): Command {
  const program = new Command('moe')
    .description('Curate code, arXiv and web corpora into deduplicated training shards, and train a DeepSeekMoE-style model.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
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
    .addHelpText('after', '\nExamples:\n  moe ingest fixtures/code/tinyrepo --out runs/code --source code\n  moe ingest crawl.warc.gz papers/ --out runs/mixed --shard 0/4 --workers 2\n')
    .action(async (paths: string[], opts) => {
      const { ingestCommand } = await import('./commands/ingest.js');
      process.exitCode = await ingestCommand(paths, opts);
    });

  program
    .command('curate')
    .description('run the curation pipeline of a config into a run folder, with manifest.json and report.json')
    .requiredOption('--config <file>', 'YAML config (see configs/)')
    .option('--out <dir>', 'run folder (default: runs/<config name>)')
    .addOption(workersOption())
    .addOption(setOption())
    .option('--strict', 'exit 1 if any input file could not be read')
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', '\nExample:\n  moe curate --config configs/demo.yaml --out runs/demo\n')
    .action(async (opts) => {
      const { curateCommand } = await import('./commands/curate.js');
      process.exitCode = await curateCommand(opts);
    });

  program
    .command('verify')
    .description('re-hash the files of a curated run (or stage folder) against its manifest')
    .argument('<dir>', 'run folder holding manifest.json, or a stage folder holding report.json')
    .option('--json', 'print a machine-readable summary on stdout')
    .addHelpText('after', '\nExample:\n  moe verify runs/demo\n')
    .action(async (dir: string, opts) => {
      const { verifyCommand } = await import('./commands/verify.js');
      process.exitCode = await verifyCommand(dir, opts);
    });

  return program;
}
