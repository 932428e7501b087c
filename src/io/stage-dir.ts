/**
 * Running a stage into its output folder (`runStage`, the driver of every stage): the stage
 * writes into a temporary folder that is renamed into place only when complete, so a crash never
 * leaves a half-written stage that looks finished. A re-run whose fingerprint (inputs + resolved
 * config) matches the finished folder's report is skipped; a folder that is not a `moe` stage is
 * never overwritten.
 */
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { environmentError, UserError } from '../core/errors.js';
import type { TaskFn } from '../core/pool.js';
import type { Stage, StageContext } from '../core/stage-contract.js';
import { StagePlan, type StageReport, TOOL_VERSION } from '../core/stage.js';
import { type StageLoopOptions, stageLoop } from '../core/stage-loop.js';
import { StageStats, type StatsReport, statsToReport } from '../core/stats.js';
import { commitDir, exists, freshDir, sha256Text, tempDirFor, writeJsonAtomic } from './files.js';
import { listParts } from './jsonl.js';

export interface StageDirOptions {
  stage: string;
  out: string;
  fingerprint: string;
  /** The stage folder read (filter, dedup, tokenize): `out` may not be it, nor hold it. */
  input?: string;
  /** Run the stage even when its folder is complete for this fingerprint (`curate --from`). */
  force?: boolean;
  /** `curate --plan`: write nothing; a stage that would run throws a `StagePlan` saying why. */
  plan?: boolean;
}

export interface StageDirResult<R extends StageReport> {
  report: R;
  /** True when the folder was already complete for this fingerprint. */
  skipped: boolean;
}

/** The stage report in `dir`; undefined when there is none, or when its report.json is not a moe stage's (someone else's file). */
async function readReport(dir: string): Promise<StageReport | undefined> {
  try {
    const r = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Partial<StageReport> | null;
    return r && typeof r.stage === 'string' && typeof r.fingerprint === 'string' ? (r as StageReport) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes temporary folders left by runs that died (their process is gone). */
async function removeStaleTemps(out: string): Promise<void> {
  const prefix = `${basename(out)}.tmp-`;
  let names: string[];
  try {
    names = await readdir(dirname(out));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    let alive = false;
    try {
      alive = Number.isInteger(pid) && pid !== process.pid && process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) await rm(join(dirname(out), name), { recursive: true, force: true });
  }
}

/** Refuses an output path that names a folder when the command writes one file there. */
export async function checkOutFile(out: string, example: string, flag = '--out'): Promise<void> {
  const dir = await stat(out).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (dir)
    throw new UserError(
      `${flag} ${out} is a folder; this command writes one file`,
      `name the file, e.g. ${flag} ${join(out, example)}`,
    );
}

/**
 * Refuses an output path that names a file (or lies under one): the command writes a folder
 * there, and a user's file is never replaced.
 */
export async function checkOutFolder(out: string, flag = '--out'): Promise<void> {
  // `-` is no standard output here: moe writes folders, and would make one named "-"
  if (basename(out) === '-')
    throw new UserError(`${flag} - would make a folder named "-"`, `moe writes a folder; name it with ${flag} DIR`);
  let problem: string | undefined;
  try {
    if (!(await stat(out)).isDirectory()) problem = 'is a file, not a folder';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') problem = 'lies under a file, not a folder';
    // missing: it will be made
  }
  if (problem)
    throw new UserError(`${flag} ${out} ${problem}`, `name a new folder for ${flag}; moe never overwrites other files`);
}

/**
 * Runs `body` in a fresh temporary folder and renames it to `out`; `body` returns the report
 * (without the runner's fields), which is written as `report.json`.
 */
export async function runStageDir<R extends StageReport>(
  opts: StageDirOptions,
  body: (dir: string) => Promise<Omit<R, keyof StageReport>>,
): Promise<StageDirResult<R>> {
  await checkOutFolder(opts.out);
  if (opts.input !== undefined) {
    const rel = relative(resolve(opts.out), resolve(opts.input));
    if (!rel.startsWith('..') && !isAbsolute(rel)) {
      throw new UserError(
        `--out ${opts.out} ${rel ? 'holds' : 'is'} the --in folder ${opts.input}`,
        'write the stage into a new folder; moe never replaces its own input',
      );
    }
  }
  const previous = await readReport(opts.out);
  if (!opts.force && previous && previous.stage === opts.stage && previous.fingerprint === opts.fingerprint)
    return { report: previous as R, skipped: true };
  if (!previous && (await exists(opts.out)) && (await readdir(opts.out)).length > 0) {
    throw new UserError(
      `${opts.out} exists and is not a moe ${opts.stage} folder`,
      'choose an empty or new --out folder; moe never overwrites other files',
    );
  }
  if (previous && previous.stage !== opts.stage) {
    throw new UserError(
      `${opts.out} holds a "${previous.stage}" stage, not "${opts.stage}"`,
      'choose another --out folder',
    );
  }
  if (opts.plan)
    throw new StagePlan(
      opts.stage,
      !previous ? 'no output yet' : opts.force ? '--from' : 'its input or settings changed',
    );
  await removeStaleTemps(opts.out);
  const tmp = tempDirFor(opts.out);
  await freshDir(tmp);
  try {
    const rest = await body(tmp);
    const report = { stage: opts.stage, tool_version: TOOL_VERSION, fingerprint: opts.fingerprint, ...rest } as R;
    await writeJsonAtomic(join(tmp, 'report.json'), report);
    await commitDir(tmp, opts.out);
    return { report, skipped: false };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw environmentError(e, `writing ${opts.out}`) ?? e;
  }
}

/** The report fields the driver adds to every stage's own. */
export interface DriverFields {
  stats: StatsReport;
  /** `seconds` in all, the stage's marks (`index_seconds`), the workers it ran with. */
  timing: { seconds: number; workers: number; [mark: string]: number };
}

/** Where and how the driver runs a stage. */
export interface StageWhere {
  /** The stage folder to write; none: a dry run, which measures everything and writes nothing. */
  out?: string;
  /** `curate --from`: run even when the folder is complete for this fingerprint. */
  force?: boolean;
  /** `curate --plan`: only say whether the stage would run (a `StagePlan` is thrown when it would). */
  plan?: boolean;
  /** No progress line. */
  silent?: boolean;
  /** When the stage began (`Date.now()`), when that was before the driver (fingerprints, learned thresholds). */
  started?: number;
}

/**
 * The driver: runs a stage into its folder (or, without `out`, dry) and returns its report. It
 * owns the folder, the ordered pool loop with progress, the stats merge and the timing; the
 * stage opens its outputs, does the per-batch work and returns its own report fields.
 */
export async function runStage<F extends TaskFn<never, unknown, unknown, never>, Own extends object>(
  stage: Stage<F, Own>,
  where: StageWhere,
): Promise<StageDirResult<StageReport & Own & DriverFields>> {
  const t0 = where.started ?? Date.now();
  const body = async (dir: string | undefined): Promise<Own & DriverFields> => {
    const marks: Record<string, number> = {};
    const ctx: StageContext = {
      dir,
      stats: new StageStats(),
      seconds: () => (Date.now() - t0) / 1000,
      mark: (name) => {
        marks[name] = ctx.seconds();
      },
    };
    try {
      await stage.open?.(ctx);
      const pool = { tasks: stage.tasks(ctx), workers: stage.workers, module: stage.module, init: stage.init(ctx) };
      const loop: StageLoopOptions<F> = {
        label: stage.label ?? stage.name,
        silent: where.silent,
        stats: ctx.stats,
        totalBytes: stage.totalBytes,
        itemDocs: stage.itemDocs && ((item) => stage.itemDocs!(item)),
        onTaskStats: stage.onTaskStats && ((s) => stage.onTaskStats!(s, ctx)),
        onTaskDone: stage.onTaskDone && ((r) => stage.onTaskDone!(r)),
      };
      for await (const items of stageLoop(pool, loop)) for (const item of items) await stage.write(item, ctx);
      const own = await stage.close(ctx);
      return {
        ...own,
        stats: statsToReport(ctx.stats.data),
        timing: { seconds: ctx.seconds(), ...marks, workers: stage.workers },
      };
    } finally {
      stage.dispose?.();
    }
  };
  const { name, fingerprint, input } = stage;
  if (where.out === undefined) {
    const rest = await body(undefined);
    const report = { stage: name, tool_version: TOOL_VERSION, fingerprint, ...rest } as StageReport &
      Own &
      DriverFields;
    return { report, skipped: false };
  }
  return runStageDir<StageReport & Own & DriverFields>(
    { stage: name, out: where.out, fingerprint, input, force: where.force, plan: where.plan },
    body as (dir: string) => Promise<Omit<StageReport & Own & DriverFields, keyof StageReport>>,
  );
}

/**
 * A stage's fingerprint: the tool version, then what its output depends on (its input and
 * resolved settings, in the order given). A finished folder with the same one is not run again.
 */
export function stageFingerprint(of: Record<string, unknown>): string {
  return sha256Text(JSON.stringify({ v: TOOL_VERSION, ...of }));
}

/**
 * The part files of the stage folder given as `--in`. An empty finished stage folder is fine
 * (everything was dropped upstream); a folder with neither parts nor a report is a wrong path.
 */
export async function inputParts(dir: string, earlier: string): Promise<string[]> {
  const parts = await listParts(dir);
  if (parts.length === 0 && !(await exists(join(dir, 'report.json'))))
    throw new UserError(
      `no part-*.jsonl.gz files in ${dir}`,
      `pass the output folder of an earlier stage, e.g. --in runs/demo/${earlier}`,
    );
  return parts;
}
