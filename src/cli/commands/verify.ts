/** `moe verify DIR`: re-hash every output a run's manifest (or a stage's report) lists. */
import { basename, dirname, isAbsolute, join } from 'node:path';
import { DataError, UserError } from '../../core/errors.js';
import { info } from '../../core/log.js';
import { readText, sha256File } from '../../io/files.js';
import { printJson } from './shared.js';

interface Listed {
  file: string;
  sha256: string;
}

/** The outputs a run's manifest (or a stage's report) lists; `file`: `dir` is the manifest file itself. */
async function listed(dir: string, file = false): Promise<{ kind: string; files: Listed[] }> {
  const candidates = file ? ([[basename(dir), 'manifest']] as const) : ([['manifest.json', 'manifest'], ['report.json', 'stage report']] as const);
  const base = file ? dirname(dir) : dir;
  for (const [name, kind] of candidates) {
    let text: string;
    try {
      text = await readText(join(base, name));
    } catch {
      if (file) throw new UserError(`${dir} not found`, 'pass the reference manifest, e.g. configs/reproduce.manifest.json');
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
      throw new DataError(`${join(base, name)} is not a valid ${kind}: ${(e as Error).message}`, 're-run the command that produced it');
    }
  }
  throw new UserError(`${dir} has no manifest.json or report.json`, 'pass a run folder made by `moe curate` or a stage folder made by a stage command');
}

export async function verifyCommand(dir: string, flags: { against?: string; json?: boolean }): Promise<number> {
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
  // a reproduction: the run's outputs must be exactly those of the reference manifest
  const differ: string[] = [];
  if (flags.against) {
    const reference = await listed(flags.against, true);
    const ours = new Map(files.map((f) => [f.file, f.sha256]));
    const theirs = new Map(reference.files.map((f) => [f.file, f.sha256]));
    for (const [file, sha] of theirs) {
      const mine = ours.get(file);
      if (mine === undefined) differ.push(`${file}: in ${flags.against}, not in this run`);
      else if (mine !== sha) differ.push(`${file}: sha256 ${mine.slice(0, 12)}… differs from ${flags.against}'s ${sha.slice(0, 12)}…`);
    }
    for (const file of ours.keys()) if (!theirs.has(file)) differ.push(`${file}: in this run, not in ${flags.against}`);
  }
  if (flags.json) printJson({ command: 'verify', dir, files: files.length, mismatches: bad, ...(flags.against ? { against: flags.against, differences: differ } : {}) });
  if (bad.length) {
    for (const b of bad) process.stderr.write(`  ${b}\n`);
    throw new DataError(`${bad.length} of ${files.length} files in ${dir} do not match the ${kind}`, 'the run was modified or is incomplete; re-run the command that produced it');
  }
  if (differ.length) {
    for (const d of differ) process.stderr.write(`  ${d}\n`);
    throw new DataError(`${differ.length} output file${differ.length === 1 ? '' : 's'} of ${dir} differ from ${flags.against}`, 'the curated bytes changed: if that is intended (a new config or version), write the run\'s manifest.json over the reference and commit it');
  }
  info(`verify: ${files.length} files match the ${kind} of ${dir}${flags.against ? `, and the outputs of ${flags.against}` : ''}`);
  return 0;
}
