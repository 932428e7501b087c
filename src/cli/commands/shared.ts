/**
 * What the stage commands share: loading the stage's config slice and reporting per-file
 * errors (a warning each, a count, and exit 1 under `--strict`).
 */
import { z } from 'zod';
import { loadConfig } from '../../io/config-file.js';
import { CurateSchema } from '../../config/schema.js';
import { EXIT } from '../../core/errors.js';
import { warn } from '../../core/log.js';
import type { FileError } from '../../core/stats.js';

/** A curate-shaped file whose `inputs` may be absent (a stage command takes them as arguments). */
const StageFileSchema = CurateSchema.extend({ inputs: z.array(z.string().min(1)).optional() });

export async function loadStageConfig(file: string | undefined, sets: string[]) {
  return loadConfig(StageFileSchema, file, sets);
}

const SHOWN = 20;

/** Prints the per-file errors as warnings; returns the exit code (`--strict` makes them fatal). */
export function reportFileErrors(errors: FileError[], total: number, strict: boolean | undefined): number {
  for (const e of errors.slice(0, SHOWN)) warn(`${e.path}: ${e.reason}`);
  if (total > SHOWN) warn(`… and ${total - SHOWN} more (see report.json)`);
  if (total > 0) warn(`${total} input problem${total === 1 ? '' : 's'}; the rest of the input was processed`);
  return total > 0 && strict ? EXIT.user : EXIT.ok;
}

/**
 * `curate`'s one line for input problems (a whole pipeline's warnings would bury its summary):
 * how many, the first, and where every one is listed. Returns the exit code as `reportFileErrors`.
 */
export function summarizeFileErrors(
  errors: FileError[],
  total: number,
  where: string,
  strict: boolean | undefined,
): number {
  const first = errors[0];
  if (total > 0 && first)
    warn(
      `${total} input problem${total === 1 ? '' : 's'} (the first: ${first.path}: ${first.reason}); each is listed under stats.errors in ${where}`,
    );
  // --strict stops a run at its first problem; this is a stage kept from a run without it
  return total > 0 && strict ? EXIT.user : EXIT.ok;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
