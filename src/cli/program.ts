/**
 * `createProgram()`: a fresh commander program (tests build their own). Commands are declared in
 * `declare/` with their options and help (shared options in `options.ts`); their implementations
 * in `commands/` load lazily, so `moe --help` never loads tfjs, SQLite or the parsers.
 */
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { TOOL_VERSION } from '../core/stage.js';
import { declareDataCommands } from './declare/data.js';
import { declareModelCommands } from './declare/model.js';
import { declareRunCommands } from './declare/run.js';

export interface ProgramOptions {
  /**
   * Runs in place of every command's implementation with the command's path (`['dedup', 'run']`),
   * its positional arguments and its parsed options: what argv means, without doing it (tests).
   */
  onAction?: (path: string[], args: unknown[], opts: Record<string, unknown>) => void;
}

/** Replaces the action of every command under `cmd` by `onAction` (see `ProgramOptions`). */
function interceptActions(
  cmd: CommandUnknownOpts,
  prefix: string[],
  onAction: NonNullable<ProgramOptions['onAction']>,
): void {
  for (const sub of cmd.commands) {
    const path = [...prefix, sub.name()];
    // commander calls an action with the positional arguments, then the options, then the command
    sub.action((...args: unknown[]) => onAction(path, args.slice(0, -2), sub.opts()));
    interceptActions(sub, path, onAction);
  }
}

export function createProgram(options: ProgramOptions = {}): Command {
  const program = new Command('moe')
    .description(
      'Curate code, arXiv and web corpora into deduplicated training shards, and train a DeepSeekMoE-style model.',
    )
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ outputError: (str, write) => write(`moe: error: ${str.replace(/^error: /, '')}`) });

  declareDataCommands(program);
  declareModelCommands(program);
  declareRunCommands(program);
  if (options.onAction) interceptActions(program, [], options.onAction);
  return program;
}
