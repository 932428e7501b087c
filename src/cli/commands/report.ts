/** `moe report RUN…`: the HTML report of curation and training runs. */
import { join, resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { checkOutFile } from '../../io/stage-dir.js';
import { exists } from '../../io/files.js';
import { writeReport } from '../../report/html.js';
import { printJson } from './shared.js';

export async function reportCommand(runs: string[], flags: { out?: string; json?: boolean }): Promise<number> {
  for (const run of runs)
    if (!(await exists(run)))
      throw new UserError(`${run} not found`, 'pass the --out folder of moe curate or moe train');
  const out = resolve(flags.out ?? join(runs[0]!, 'report.html'));
  await checkOutFile(out, 'report.html');
  const r = await writeReport(
    runs.map((r) => resolve(r)),
    out,
  );
  if (flags.json) printJson({ command: 'report', out: r.out, charts: r.charts });
  else
    info(
      `report: ${flags.out ?? join(runs[0]!, 'report.html')} (${r.charts.length} charts; open it in a browser, it needs no network)`,
    );
  return 0;
}
