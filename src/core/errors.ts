/**
 * Typed errors and the exit codes of DESIGN §1. Domain code throws `UserError` (bad flag, bad
 * config, unreadable input) or `DataError` (input that cannot be processed); `cli/main.ts` is the
 * one place that turns them into a one-line message + hint and exit code 1. Anything else is a
 * bug and exits 70 with its stack.
 */

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, user: 1, bug: 70 } as const;

/** A mistake the user can fix: a bad flag, a bad config, a missing input. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(
    message: string,
    /** What to do about it, printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Input data that cannot be processed (a corrupt shard, a truncated archive, …). */
export class DataError extends UserError {
  override readonly name = 'DataError';
}

/** A config problem, pointing at the key and the file it came from. */
export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** A short reason for any thrown value, for per-file error records. */
export function reasonOf(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
