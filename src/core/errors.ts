/**
 * Typed errors and the exit codes of docs/DESIGN.md §1. Domain code throws `UserError` (bad flag, bad
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

/** System errors that are the machine's state, not a bug: what each means and what to do. */
const ENVIRONMENT: Record<string, [string, string]> = {
  ENOSPC: [
    'no space left on the device',
    'free some space, or write to a larger disk, and run the command again (finished stages are kept; the interrupted one starts over)',
  ],
  EDQUOT: ['the disk quota is exceeded', 'free some space, or write to another disk, and run the command again'],
  EROFS: ['the file system is read-only', 'write to a writable disk'],
  EACCES: ['permission denied', 'check the permissions of that path, or choose another'],
  EPERM: ['operation not permitted', 'check the permissions of that path, or choose another'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n) or use fewer --workers'],
  ENFILE: ['too many open files on the system', 'close other programs or use fewer --workers'],
};

/**
 * A system error caused by the environment (a full disk, a read-only or forbidden path) as a
 * UserError naming the path (the error's own, else `where`); undefined for anything else.
 */
export function environmentError(e: unknown, where?: string): UserError | undefined {
  if (isUserError(e) || !(e instanceof Error)) return undefined;
  const err = e as NodeJS.ErrnoException;
  const known = err.code ? ENVIRONMENT[err.code] : undefined;
  if (!known) return undefined;
  const path = err.path ?? where;
  return new UserError(`${known[0]}${path ? `: ${path}` : ''} (${err.code})`, known[1]);
}

/**
 * Text from a file as it may appear in a message: control and non-ASCII characters escaped
 * (\xNN, \uNNNN), at most `max` characters, so a binary file never writes raw bytes to a terminal.
 */
export function printable(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[^\x20-\x7e…]/gu, (c) => {
    const code = c.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** What JSON.parse found wrong, without the input V8 quotes in its message (raw bytes of a binary file). */
export function jsonProblem(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/Unexpected end of JSON input/.test(m)) return 'not valid JSON (it ends early)';
  const at = /at position (\d+)/.exec(m);
  return `not valid JSON${at ? ` (at character ${at[1]})` : ''}`;
}
