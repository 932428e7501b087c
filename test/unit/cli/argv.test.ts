/**
 * What each command line means: argv → the command run, its arguments and its parsed options
 * (defaults included), for every command the program declares; and the argv each refuses, with
 * the message. Nothing runs: `createProgram({ onAction })` replaces every implementation.
 */
import { availableParallelism } from 'node:os';
import type { CommandUnknownOpts, CommanderError } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../../src/cli/program.js';

interface Parsed {
  path: string;
  args: unknown[];
  opts: Record<string, unknown>;
}

const W = availableParallelism();

/** Parses `argv` (after `moe`); returns what would run, or the error commander reports. */
async function parse(argv: string[]): Promise<Parsed | { error: string }> {
  let parsed: Parsed | undefined;
  const program = createProgram({
    onAction: (path, args, opts) => {
      parsed = { path: path.join(' '), args, opts };
    },
  });
  let err = '';
  const quiet = (c: CommandUnknownOpts): void => {
    c.configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
    for (const sub of c.commands) quiet(sub);
  };
  quiet(program);
  try {
    await program.parseAsync(['node', 'moe', ...argv]);
  } catch (e) {
    return { error: `${(e as CommanderError).code}: ${err.split('\n')[0]}` };
  }
  if (!parsed) throw new Error(`nothing ran for ${argv.join(' ')}`);
  return parsed;
}

/** Every command path, depth first, in declaration order. */
function commandPaths(cmd: CommandUnknownOpts, prefix: string[] = []): string[] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()].join(' '), ...commandPaths(c, [...prefix, c.name()])]);
}

// [argv, command path, positional arguments, options]
const ROWS: Array<[string, string, unknown[], Record<string, unknown>]> = [
  ['ingest a b --out o', 'ingest', [['a', 'b']], { out: 'o', workers: W, set: [] }],
  [
    'ingest x --out o --source web --shard 1/4 --workers 3 --config c.yaml --set a.b=1 --set c=2 --strict --json --quiet',
    'ingest',
    [['x']],
    {
      out: 'o',
      source: 'web',
      shard: '1/4',
      workers: 3,
      config: 'c.yaml',
      set: ['a.b=1', 'c=2'],
      strict: true,
      json: true,
      quiet: true,
    },
  ],
  ['filter --in i', 'filter', [], { in: 'i', workers: W, set: [] }],
  [
    'filter --in i --out o --keep-rejected --annotate --dry-run --workers 1',
    'filter',
    [],
    { in: 'i', out: 'o', keepRejected: true, annotate: true, dryRun: true, workers: 1, set: [] },
  ],
  ['dedup --in i --out o --db d', 'dedup', [], { in: 'i', out: 'o', db: 'd', workers: W, set: [] }],
  [
    'dedup --in i --out o --shard 0/2 --bands 20 --rows 5',
    'dedup',
    [],
    { in: 'i', out: 'o', shard: '0/2', bands: 20, rows: 5, workers: W, set: [] },
  ],
  [
    'dedup run --in i --out o --db d --threshold 0.7 --ngram 3 --against e1.jsonl e2.jsonl --against-ngram 8 --drop-all-copies --verify',
    'dedup run',
    [],
    {
      in: 'i',
      out: 'o',
      db: 'd',
      threshold: 0.7,
      ngram: 3,
      against: ['e1.jsonl', 'e2.jsonl'],
      againstNgram: 8,
      dropAllCopies: true,
      verify: true,
      workers: W,
      set: [],
    },
  ],
  [
    'dedup signatures --in i --out s --shard 1/2 --workers 2',
    'dedup signatures',
    [],
    { in: 'i', out: 's', shard: '1/2', workers: 2, set: [] },
  ],
  [
    'dedup merge --in i --signatures a.bin b.bin --db d --out o',
    'dedup merge',
    [],
    { in: 'i', signatures: ['a.bin', 'b.bin'], db: 'd', out: 'o', workers: W, set: [] },
  ],
  ['dedup inspect --db d --doc web/x#3 --json', 'dedup inspect', [], { db: 'd', doc: 'web/x#3', json: true }],
  [
    'tokenizer train --in i --vocab-size 4096 --out t.json',
    'tokenizer train',
    [],
    { in: 'i', vocabSize: 4096, out: 't.json', pattern: 'llama3', special: [], minFrequency: 2 },
  ],
  [
    'tokenizer train --in i --vocab-size 300 --out t.json --pattern gpt2 --special <a> --special <b> --min-frequency 5 --max-bytes 1000',
    'tokenizer train',
    [],
    {
      in: 'i',
      vocabSize: 300,
      out: 't.json',
      pattern: 'gpt2',
      special: ['<a>', '<b>'],
      minFrequency: 5,
      maxBytes: 1000,
    },
  ],
  [
    'tokenize --in i --tokenizer t.json --out o',
    'tokenize',
    [],
    { in: 'i', tokenizer: 't.json', out: 'o', valFraction: 0.01, workers: W },
  ],
  ['shards inspect runs/s', 'shards inspect', ['runs/s'], { split: 'train' }],
  [
    'shards inspect runs/s --split val --doc 3 --json',
    'shards inspect',
    ['runs/s'],
    { split: 'val', doc: 3, json: true },
  ],
  ['lm train --in i --out lm.bin', 'lm train', [], { in: 'i', out: 'lm.bin', order: 3 }],
  [
    'classifier train --positive p --negative n --out c.bin --epochs 2 --seed 9 --max-docs 100',
    'classifier train',
    [],
    { positive: 'p', negative: 'n', out: 'c.bin', epochs: 2, seed: 9, maxDocs: 100 },
  ],
  [
    'train --config m.yaml --data d --out o',
    'train',
    [],
    { config: 'm.yaml', data: 'd', out: 'o', backend: 'auto', maxRestarts: 0, workers: W },
  ],
  [
    'train --config m.yaml --data d --out o --resume --backend wasm --max-steps 10 --max-restarts 2 --workers 2',
    'train',
    [],
    { config: 'm.yaml', data: 'd', out: 'o', resume: true, backend: 'wasm', maxSteps: 10, maxRestarts: 2, workers: 2 },
  ],
  ['export megatron --run r', 'export megatron', [], { run: 'r' }],
  ['export hf --checkpoint c --out o --dtype bf16', 'export hf', [], { checkpoint: 'c', out: 'o', dtype: 'bf16' }],
  [
    'eval --checkpoint c --data d --max-tokens 512',
    'eval',
    [],
    { checkpoint: 'c', data: 'd', maxTokens: 512, backend: 'auto' },
  ],
  [
    'generate --checkpoint c --prompt hi',
    'generate',
    [],
    { checkpoint: 'c', prompt: 'hi', maxNewTokens: 64, temperature: 0, seed: 0, backend: 'auto' },
  ],
  [
    'generate --checkpoint c --prompt hi --temperature 0.8 --top-k 40 --top-p 0.9 --seed 3',
    'generate',
    [],
    {
      checkpoint: 'c',
      prompt: 'hi',
      maxNewTokens: 64,
      temperature: 0.8,
      topK: 40,
      topP: 0.9,
      seed: 3,
      backend: 'auto',
    },
  ],
  ['curate --config c.yaml', 'curate', [], { config: 'c.yaml', workers: W, set: [] }],
  [
    'curate --config c.yaml --out o --strict --until filter --from ingest --plan',
    'curate',
    [],
    { config: 'c.yaml', out: 'o', strict: true, until: 'filter', from: 'ingest', plan: true, workers: W, set: [] },
  ],
  ['verify runs/x --against m.json', 'verify', ['runs/x'], { against: 'm.json' }],
  ['demo', 'demo', [], { out: 'runs/demo', workers: W, backend: 'auto' }],
  ['report a b --out r.html', 'report', [['a', 'b']], { out: 'r.html' }],
];

// [argv, the error: commander's code and the first line it prints]
const REFUSED: Array<[string, string]> = [
  ['ingest --out o', "commander.missingArgument: moe: error: missing required argument 'path'"],
  ['filter', "commander.missingMandatoryOptionValue: moe: error: required option '--in <dir>' not specified"],
  [
    'filter --in i --workers 0',
    "commander.invalidArgument: moe: error: option '--workers <n>' argument '0' is invalid. expected a whole number from 1 to 1024",
  ],
  [
    'dedup run --in i --out o',
    "commander.missingMandatoryOptionValue: moe: error: required option '--db <file>' not specified",
  ],
  [
    'dedup run --in i --out o --db d --threshold 0.8 --bands 4',
    "commander.conflictingOption: moe: error: option '--threshold <j>' cannot be used with option '--bands <n>'",
  ],
  [
    'dedup run --in i --out o --db d --threshold 1.5',
    "commander.invalidArgument: moe: error: option '--threshold <j>' argument '1.5' is invalid. expected a number in (0, 1]",
  ],
  [
    'dedup signatures --in i --out s',
    "commander.missingMandatoryOptionValue: moe: error: required option '--shard <I/N>' not specified",
  ],
  [
    'tokenizer train --in i --out t.json',
    "commander.missingMandatoryOptionValue: moe: error: required option '--vocab-size <n>' not specified",
  ],
  [
    'tokenizer train --in i --out t.json --vocab-size 10 --pattern bert',
    "commander.invalidArgument: moe: error: option '--pattern <name>' argument 'bert' is invalid. Allowed choices are gpt2, llama3, deepseek.",
  ],
  [
    'curate --config c.yaml --until nowhere',
    "commander.invalidArgument: moe: error: option '--until <stage>' argument 'nowhere' is invalid. Allowed choices are ingest, filter, dedup, tokenize.",
  ],
  ['frobnicate', "commander.unknownCommand: moe: error: unknown command 'frobnicate'"],
  ['filter --in i --colour', "commander.unknownOption: moe: error: unknown option '--colour'"],
];

describe('moe argv → options', () => {
  it.each(ROWS)('%s', async (argv, path, args, opts) => {
    expect(await parse(argv.split(' '))).toEqual({ path, args, opts });
  });

  it('has a row for every command the program declares', () => {
    const covered = new Set(ROWS.map((r) => r[1]));
    // groups (export, shards, …) only dispatch to their subcommands
    const runnable = commandPaths(createProgram()).filter(
      (p) => !ROWS.some((r) => r[1].startsWith(`${p} `)) || covered.has(p),
    );
    expect(runnable.filter((p) => !covered.has(p))).toEqual([]);
    expect(covered.size).toBe(21);
  });

  it.each(REFUSED)('refuses %s', async (argv, error) => {
    expect(await parse(argv.split(' '))).toEqual({ error });
  });
});
