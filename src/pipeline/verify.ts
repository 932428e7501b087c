/**
 * `moe verify`: re-hash every output a run's manifest (or a stage's report) lists, and compare
 * the list with a reference manifest (`--against`, what CI's reproduce check runs).
 */
import { basename, dirname, isAbsolute, join } from 'node:path';
import { DataError, UserError } from '../core/errors.js';
import { readText, sha256File } from '../io/files.js';

interface Listed {
  file: string;
  sha256: string;
}

/** The outputs a run's manifest (or a stage's report) lists; `file`: `dir` is the manifest file itself. */
async function listed(dir: string, file = false): Promise<{ kind: string; files: Listed[] }> {
  const candidates = file
    ? ([[basename(dir), 'manifest']] as const)
    : ([
        ['manifest.json', 'manifest'],
        ['report.json', 'stage report'],
      ] as const);
  const base = file ? dirname(dir) : dir;
  for (const [name, kind] of candidates) {
    let text: string;
    try {
      text = await readText(join(base, name));
    } catch {
      if (file)
        throw new UserError(`${dir} not found`, 'pass the reference manifest, e.g. configs/reproduce.manifest.json');
      continue;
    }
    try {
      const value = JSON.parse(text) as { outputs?: Listed[]; rejected_outputs?: Listed[]; removed_outputs?: Listed[] };
      if (!Array.isArray(value.outputs)) throw new Error('no "outputs" list');
      // a stage's set-aside documents are outputs too (filter's rejected/, dedup's removed/)
      const outputs = [...value.outputs, ...(value.rejected_outputs ?? []), ...(value.removed_outputs ?? [])];
      // a listed path is inside the run: an absolute path or a `..` would hash files elsewhere
      const outside = outputs.find(
        (f) => typeof f?.file !== 'string' || isAbsolute(f.file) || f.file.split(/[\\/]/).includes('..'),
      );
      if (outside) throw new Error(`it lists ${JSON.stringify(outside?.file)}, a path outside the run folder`);
      return { kind, files: outputs };
    } catch (e) {
      throw new DataError(
        `${join(base, name)} is not a valid ${kind}: ${(e as Error).message}`,
        're-run the command that produced it',
      );
    }
  }
  throw new UserError(
    `${dir} has no manifest.json or report.json`,
    'pass a run folder made by `moe curate` or a stage folder made by a stage command',
  );
}

/** What `moe verify` found: the outputs listed, the ones that do not hash as listed, and (`against`) the differences from a reference. */
export interface Verification {
  kind: string;
  files: number;
  /** `file: missing` or `file: sha256 … differs …`. */
  bad: string[];
  /** With `against`: files in one and not the other, or with other bytes. */
  differ: string[];
}

/** Re-hashes every output the manifest (or stage report) in `dir` lists; with `against`, compares with that manifest's list too. */
export async function verifyRun(dir: string, against?: string): Promise<Verification> {
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
    if (actual !== f.sha256)
      bad.push(`${f.file}: sha256 ${actual.slice(0, 12)}… differs from the ${kind}'s ${f.sha256.slice(0, 12)}…`);
  }
  // a reproduction: the run's outputs must be exactly those of the reference manifest
  const differ: string[] = [];
  if (against) {
    const reference = await listed(against, true);
    const ours = new Map(files.map((f) => [f.file, f.sha256]));
    const theirs = new Map(reference.files.map((f) => [f.file, f.sha256]));
    for (const [file, sha] of theirs) {
      const mine = ours.get(file);
      if (mine === undefined) differ.push(`${file}: in ${against}, not in this run`);
      else if (mine !== sha)
        differ.push(`${file}: sha256 ${mine.slice(0, 12)}… differs from ${against}'s ${sha.slice(0, 12)}…`);
    }
    for (const file of ours.keys()) if (!theirs.has(file)) differ.push(`${file}: in this run, not in ${against}`);
  }
  return { kind, files: files.length, bad, differ };
}
