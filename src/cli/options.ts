/** Option parsers and the options several commands share (workers, --set, MinHash, the backend). */
import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError, Option, type OptionValues } from '@commander-js/extra-typings';
import { DEDUP_DEFAULTS } from '../config/defaults.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Worker threads: at most 1,024 (a typo such as 1e20 would try to start that many). */
export function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new InvalidArgumentError('expected a whole number from 1 to 1024');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || value.trim() === '')
    throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

/** A number parser for `(lo, hi]` (`lo` itself allowed when `closedLow`): NaN, text and infinities are refused. */
export function numberIn(lo: number, hi: number, closedLow = true): (value: string) => number {
  const range = `${closedLow ? '[' : '('}${lo}, ${hi === Number.POSITIVE_INFINITY ? '∞)' : `${hi}]`}`;
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n > hi || (closedLow ? n < lo : n <= lo))
      throw new InvalidArgumentError(`expected a number in ${range}`);
    return n;
  };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const workersOption = () =>
  new Option('--workers <n>', 'worker threads for CPU work (output is identical for any N)')
    .argParser(workerCount)
    .default(availableParallelism(), 'number of cores');
export const setOption = () =>
  new Option('--set <key=value>', 'override a config key, e.g. --set ingest.code.maxFileBytes=500000 (repeatable)')
    .argParser(collect)
    .default([] as string[]);

/** MinHash's options (defaults in help from the config schema's, which apply when a flag is absent). */
export function minhashOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
) {
  return cmd
    .addOption(
      new Option('--threshold <j>', 'Jaccard similarity the LSH bands are tuned for (instead of --bands/--rows)')
        .argParser(numberIn(0, 1, false))
        .conflicts(['bands', 'rows']),
    )
    .addOption(new Option('--bands <n>', `LSH bands (default ${DEDUP_DEFAULTS.bands})`).argParser(positiveInt))
    .addOption(new Option('--rows <n>', `rows per band (default ${DEDUP_DEFAULTS.rows})`).argParser(positiveInt))
    .addOption(new Option('--ngram <n>', `words per shingle (default ${DEDUP_DEFAULTS.ngram})`).argParser(positiveInt));
}

/**
 * The options of a dedup run but its folders, shared by `moe dedup run` (where commander checks
 * --in, --out and --db) and the bare `moe dedup` (where the command checks them: `dedup inspect`
 * shares its name).
 */
export function dedupRunOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
) {
  return minhashOptions(cmd)
    .option(
      '--against <file...>',
      'evaluation sets (JSONL items): drop training documents sharing a word n-gram with any item',
    )
    .addOption(
      new Option(
        '--against-ngram <n>',
        `words per decontamination n-gram (default ${DEDUP_DEFAULTS.againstNgram})`,
      ).argParser(positiveInt),
    )
    .option('--drop-all-copies', 'remove every member of a duplicate cluster, the earliest too')
    .option('--verify', 'check candidate pairs by their true Jaccard similarity (threshold: --threshold, else 0.8)')
    .option('--config <file>', 'YAML config; its `dedup` section is used')
    .addOption(setOption())
    .addOption(workersOption())
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines');
}

/** The folders of a dedup run (help text for `dedup run`, where they are required options). */
export const DEDUP_FOLDERS = {
  in: 'a stage folder of part files (e.g. the output of moe filter)',
  out: 'output folder (kept part files, removed/, report.json)',
  db: 'the SQLite index; reuse it for the next batch to deduplicate across batches',
} as const;

export const backendOption = () =>
  new Option('--backend <name>', 'TensorFlow.js backend')
    .choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const)
    .default('auto' as const);
