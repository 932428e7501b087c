/**
 * What every stage shares: the tool version recorded in reports, the report fields the stage
 * runner fills in, the plan signal of `curate --plan`, and paths as reports record them. The
 * `Stage` contract is `stage-contract.ts`; the driver that runs a stage into its folder is
 * `io/stage-dir.ts`.
 */
import { relative, sep } from 'node:path';

export const TOOL_VERSION = '0.1.0';

/** The parts of every stage report that the runner fills in. */
export interface StageReport {
  stage: string;
  tool_version: string;
  fingerprint: string;
}

/** What `curate --plan` learns of a stage that would run (thrown before anything is written). */
export class StagePlan {
  constructor(
    readonly stage: string,
    readonly why: string,
  ) {}
}

/** A path as recorded in reports: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return (rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : path).split(sep).join('/');
}
