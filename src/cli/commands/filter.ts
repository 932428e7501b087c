/** `moe filter --in DIR --out DIR`, and the filter table shared with `curate`. */
import { resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { type FilterReport, runFilter } from '../../filter/run.js';
import { filterRun } from '../../pipeline/stages.js';
import { loadStageConfig, printJson, reportFileErrors } from './shared.js';

export interface FilterFlags {
  in: string;
  out?: string;
  config?: string;
  set: string[];
  keepRejected?: boolean;
  annotate?: boolean;
  dryRun?: boolean;
  workers: number;
  json?: boolean;
  quiet?: boolean;
}

/** Model paths from the config, resolved against the config file's folder. */
const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

/** A human table of what each filter cost. */
export function printFilterTable(report: FilterReport): void {
  info(
    `filter: kept ${report.docs_out} of ${report.docs_in} docs (${pct(report.docs_out, report.docs_in)}), ${report.bytes_out} of ${report.bytes_in} bytes (${pct(report.bytes_out, report.bytes_in)})`,
  );
  info('  filter               dropped  (bytes)     alone  would drop');
  for (const [name, f] of Object.entries(report.filters)) {
    info(
      `  ${name.padEnd(19)}${String(f.dropped).padStart(8)}  ${pct(f.dropped_bytes, report.bytes_in).padStart(7)}  ${String(f.alone).padStart(8)}  ${String(f.would_drop).padStart(10)}`,
    );
    for (const [reason, r] of Object.entries(f.reasons)) {
      if (r.dropped || r.would_drop)
        info(
          `    ${reason.padEnd(27)}${String(r.dropped).padStart(6)}  ${String(r.alone).padStart(14)}  ${String(r.would_drop).padStart(10)}`,
        );
    }
  }
  for (const [name, t] of Object.entries(report.learned_thresholds))
    info(`  learned threshold: ${name} = ${t.value.toPrecision(6)} (on ${t.sample_docs} sample docs)`);
}

export async function filterCommand(flags: FilterFlags): Promise<number> {
  if (!flags.out && !flags.dryRun)
    throw new UserError(
      'moe filter needs --out DIR (or --dry-run to only measure)',
      'e.g. moe filter --in runs/x/ingest --out runs/x/filter',
    );
  if (flags.out && flags.dryRun)
    throw new UserError(
      '--dry-run writes nothing, so --out would be ignored',
      'drop --out to measure only, or --dry-run to write the stage',
    );
  const { config, file } = await loadStageConfig(flags.config, flags.set);
  const io = { input: resolve(flags.in), out: flags.out ? resolve(flags.out) : undefined };
  const { report, skipped } = await runFilter(
    filterRun(config.filter, file, io, { workers: flags.workers, silent: flags.quiet }, flags),
  );
  if (skipped) info(`filter: ${flags.out} is up to date; nothing to do`);
  printFilterTable(report);
  reportFileErrors(report.stats.errors, report.stats.counts.errors ?? 0, false);
  if (flags.dryRun) info('filter: dry run, nothing written');
  if (flags.json) {
    printJson({
      command: 'filter',
      out: flags.out ?? null,
      dry_run: Boolean(flags.dryRun),
      skipped,
      docs_in: report.docs_in,
      docs_out: report.docs_out,
      bytes_in: report.bytes_in,
      bytes_out: report.bytes_out,
      filters: report.filters,
      learned_thresholds: report.learned_thresholds,
      seconds: report.timing.seconds,
    });
  }
  return 0;
}
