/**
 * The run folder of `moe curate`: whether moe may write into it, and the hashes of its files for
 * the manifest.
 */
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { exists, listDir, readText, sha256File } from '../io/files.js';

/** Files of the run (relative paths) with their sha256, for the manifest. */
export async function filesWithHashes(run: string, files: string[]): Promise<Array<{ file: string; sha256: string }>> {
  const out: Array<{ file: string; sha256: string }> = [];
  for (const f of files) if (await exists(join(run, f))) out.push({ file: f, sha256: sha256File(join(run, f)) });
  return out;
}

/** Parses a JSON file, or undefined when it is missing or not JSON. */
async function jsonOf(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v: unknown = JSON.parse(await readText(path));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run folder is written into only when it is empty or new, or an earlier `moe curate` run:
 * the user's own `manifest.json`, `report.json`, `tokenizer.json` or `dedup.sqlite` in it are
 * never replaced. An interrupted run counts as moe's by its stage folders' reports.
 */
export async function checkRunFolder(run: string): Promise<void> {
  if (!(await exists(run)) || (await listDir(run)).length === 0) return;
  const manifest = await jsonOf(join(run, 'manifest.json'));
  const report = await jsonOf(join(run, 'report.json'));
  const stage = await jsonOf(join(run, 'ingest', 'report.json'));
  const moeManifest =
    manifest !== undefined &&
    typeof manifest.tool_version === 'string' &&
    typeof manifest.config_sha256 === 'string' &&
    Array.isArray(manifest.outputs);
  const moeReport =
    report !== undefined && typeof report.config_sha256 === 'string' && typeof report.stages === 'object';
  const moeStage = stage !== undefined && stage.stage === 'ingest' && typeof stage.tool_version === 'string';
  const ours = moeManifest || moeReport || moeStage;
  const foreign = [
    ...((await exists(join(run, 'manifest.json'))) && !moeManifest ? ['manifest.json'] : []),
    ...((await exists(join(run, 'report.json'))) && !moeReport ? ['report.json'] : []),
    ...(!ours ? (await listDir(run)).filter((n) => n !== 'manifest.json' && n !== 'report.json') : []),
  ];
  if (foreign.length > 0) {
    throw new UserError(
      `--out ${run} is not a moe curate run: it holds ${foreign.slice(0, 4).join(', ')}${foreign.length > 4 ? ', …' : ''}`,
      'choose an empty or new --out folder; moe never overwrites files it did not write',
    );
  }
}
