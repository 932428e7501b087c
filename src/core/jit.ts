/**
 * V8 settings for moe's processes, set before the work starts. Process-wide: worker threads
 * started later compile under them too.
 *
 * V8 inlines at most 100 bytes of bytecode into an optimised function (its default is 920): the
 * filter chain's big functions then take about half the compilation and run as fast once
 * compiled. Every worker compiles for itself, and with a worker per core the compiler threads
 * take cores from the workers, so less compiling is faster with `--workers` at the core count
 * (`npm run bench`'s `filter_web` shows it). Training's losses and speed are unchanged.
 */
import { setFlagsFromString } from 'node:v8';

export const V8_FLAGS = ['--max-inlined-bytecode-size-cumulative=100'];

export function tuneV8(): void {
  for (const flag of V8_FLAGS) setFlagsFromString(flag);
}
