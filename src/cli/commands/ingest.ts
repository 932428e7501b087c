/** `moe ingest <path...> --out DIR`. */
import { resolve } from 'node:path';
import { info } from '../../core/log.js';
import { runIngest } from '../../ingest/ingest.js';
import { parseShard } from '../../ingest/plan.js';
import { ingestRun } from '../../pipeline/stages.js';
import { loadStageConfig, printJson, reportFileErrors } from './shared.js';

export interface IngestFlags {
  out: string;
  source?: 'auto' | 'code' | 'arxiv' | 'web';
  shard?: string;
  workers: number;
  config?: string;
  set: string[];
  strict?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export async function ingestCommand(paths: string[], flags: IngestFlags): Promise<number> {
  const { config } = await loadStageConfig(flags.config, flags.set);
  const shard = parseShard(flags.shard);
  const common = { workers: flags.workers, strict: flags.strict, silent: flags.quiet };
  const run = ingestRun(config.ingest, { inputs: paths, out: resolve(flags.out) }, common, {
    source: flags.source,
    shard,
  });
  const { report, skipped, errors } = await runIngest(run);
  const errorCount = report.stats.counts.errors ?? 0;
  if (skipped) info(`ingest: ${flags.out} is up to date (${report.docs_out} docs); nothing to do`);
  else
    info(
      `ingest: ${report.docs_out} docs from ${report.stats.counts.files_in ?? 0} files → ${flags.out} (${report.outputs.length} part files, ${report.timing.seconds.toFixed(1)} s)`,
    );
  const code = reportFileErrors(errors, errorCount, flags.strict);
  if (flags.json)
    printJson({
      command: 'ingest',
      out: flags.out,
      skipped,
      docs_out: report.docs_out,
      errors: errorCount,
      counts: report.stats.counts,
      seconds: report.timing.seconds,
    });
  return code;
}
