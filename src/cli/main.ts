/**
 * The one error boundary and the only `process.exit` (docs/DESIGN.md §1): user errors
 * print one line and a hint and exit 1; anything else is a bug: stack, exit 70.
 */
import { CommanderError } from '@commander-js/extra-typings';
import { environmentError, EXIT, isUserError } from '../core/errors.js';
import { tuneV8 } from '../core/jit.js';
import { createProgram } from './program.js';

export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (thrown) {
    const e = environmentError(thrown) ?? thrown;
    if (e instanceof CommanderError) {
      // commander has printed its message already; help and version exit 0
      return e.exitCode === 0 ? EXIT.ok : EXIT.user;
    }
    if (isUserError(e)) {
      process.stderr.write(`moe: error: ${e.message}\n`);
      if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
      return EXIT.user;
    }
    process.stderr.write(
      `moe: internal error (this is a bug, please report it):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return EXIT.bug;
  }
}

tuneV8();

const code = await main(process.argv.slice(2));
process.exit(code);
