/** `moe verify DIR`: re-hash every output a run's manifest (or a stage's report) lists. */
import { DataError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { verifyRun } from '../../pipeline/verify.js';
import { printJson } from './shared.js';

export async function verifyCommand(dir: string, flags: { against?: string; json?: boolean }): Promise<number> {
  const { kind, files, bad, differ } = await verifyRun(dir, flags.against);
  if (flags.json)
    printJson({
      command: 'verify',
      dir,
      files,
      mismatches: bad,
      ...(flags.against ? { against: flags.against, differences: differ } : {}),
    });
  if (bad.length) {
    for (const b of bad) process.stderr.write(`  ${b}\n`);
    throw new DataError(
      `${bad.length} of ${files} files in ${dir} do not match the ${kind}`,
      'the run was modified or is incomplete; re-run the command that produced it',
    );
  }
  if (differ.length) {
    for (const d of differ) process.stderr.write(`  ${d}\n`);
    throw new DataError(
      `${differ.length} output file${differ.length === 1 ? '' : 's'} of ${dir} differ from ${flags.against}`,
      "the curated bytes changed: if that is intended (a new config or version), write the run's manifest.json over the reference and commit it",
    );
  }
  info(
    `verify: ${files} files match the ${kind} of ${dir}${flags.against ? `, and the outputs of ${flags.against}` : ''}`,
  );
  return 0;
}
