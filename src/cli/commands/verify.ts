/** `moe verify DIR`: re-hash every output a run's manifest (or a stage's report) lists. */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { DataError, UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { sha256File } from '../../io/files.js';
import { printJson } from './shared.js';

interface Listed {
  file: string;
  sha256: string;
}

async function listed(dir: string): Promise<{ kind: string; files: Listed[] }> {
  for (const [name, kind] of [['manifest.json', 'manifest'], ['report.json', 'stage report']] as const) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    try {
      const value = JSON.parse(text) as { outputs?: Listed[]; rejected_outputs?: Listed[]; removed_outputs?: Listed[] };
      if (!Array.isArray(value.outputs)) throw new Error('no "outputs" list');
      // a stage's set-aside documents are outputs too (filter's rejected/, dedup's removed/)
      const outputs = [...value.outputs, ...(value.rejected_outputs ?? []), ...(value.removed_outputs ?? [])];
      // a listed path is inside the run: an absolute path or a `..` would hash files elsewhere
      const outside = outputs.find((f) => typeof f?.file !== 'string' || isAbsolute(f.file) || f.file.split(/[\\/]/).includes('..'));
      if (outside) throw new Error(`it lists ${JSON.stringify(outside?.file)}, a path outside the run folder`);
      return { kind, files: outputs };
    } catch (e) {
      throw new DataError(`${join(dir, name)} is not a valid ${kind}: ${(e as Error).message}`, 're-run the command that produced it');
    }
  }
  throw new UserError(`${dir} has no manifest.json or report.json`, 'pass a run folder made by `moe curate` or a stage folder made by a stage command');
}

export async function verifyCommand(dir: string, flags: { json?: boolean }): Promise<number> {
  const { kind, files } = await listed(dir);
  const bad: string[] = [];
  for (const f of files) {
    let actual: string;
    try {
      actual = sha256File(join(dir, f.file));
    } catch {
      bad.push(`${f.file}: missing`);
      continue;
    }
    if (actual !== f.sha256) bad.push(`${f.file}: sha256 ${actual.slice(0, 12)}… differs from the ${kind}'s ${f.sha256.slice(0, 12)}…`);
  }
  if (flags.json) printJson({ command: 'verify', dir, files: files.length, mismatches: bad });
  if (bad.length) {
    for (const b of bad) process.stderr.write(`  ${b}\n`);
    throw new DataError(`${bad.length} of ${files.length} files in ${dir} do not match the ${kind}`, 'the run was modified or is incomplete; re-run the command that produced it');
  }
  info(`verify: ${files.length} files match the ${kind} of ${dir}`);
  return 0;
}
