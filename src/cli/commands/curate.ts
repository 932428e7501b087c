/** `moe curate --config FILE [--out RUN]`: runs `pipeline/curate.ts` and prints what it did. */
import { join } from 'node:path';
import { info } from '../../core/log.js';
import { StagePlan } from '../../core/stage.js';
import { type CurateOptions, runCurate } from '../../pipeline/curate.js';
import { printDedupSummary } from './dedup.js';
import { printFilterTable } from './filter.js';
import { printJson, summarizeFileErrors } from './shared.js';

export interface CurateFlags extends CurateOptions {
  json?: boolean;
}

export async function curateCommand(flags: CurateFlags): Promise<number> {
  let r: Awaited<ReturnType<typeof runCurate>>;
  try {
    r = await runCurate(flags, { filterDone: printFilterTable, dedupDone: printDedupSummary });
  } catch (e) {
    // --plan: the first stage that would run, and what follows it; nothing was written
    if (!(e instanceof StagePlan)) throw e;
    const order = ['ingest', 'filter', 'dedup', 'tokenizer training', 'tokenize'];
    const after = order.slice(order.indexOf(e.stage) + 1);
    info(
      `curate: ${e.stage} would run (${e.why})${after.length ? `, then ${after.join(', ')}` : ''}; --plan wrote nothing`,
    );
    return 0;
  }
  if (r.end === 'planned') return 0;
  // under --strict a problem has already stopped the run; otherwise one line says how many there were
  const code = summarizeFileErrors(
    r.problems,
    r.problemCount,
    `the stage reports (${join(r.shown, '*', 'report.json')})`,
    flags.strict,
  );
  if (flags.json && r.end === 'done')
    printJson({ command: 'curate', out: r.run, config_sha256: r.config_sha256, stages: r.summary });
  return code;
}
