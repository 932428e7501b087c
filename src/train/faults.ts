/**
 * Fault injection, for tests only: `MOE_TEST_FAULTS` holds a JSON object naming the faults a run
 * meets, so the recovery paths can be checked end to end (README, "Training that survives").
 * Never set it in a real run.
 *
 * - `nan_steps`: steps whose summed gradient is made NaN (the non-finite guard must skip them);
 * - `spike_steps`: steps whose loss is reported 100× (the spike rollback must catch them), each
 *   once: the step met again after a rollback is skipped anyway;
 * - `kill_worker_step` with `kill_marker`: worker thread 1 exits at that step, once (the marker
 *   file records that it did, so the restarted worker does not die again);
 * - `hang_worker_step` with `kill_marker`: worker thread 1 stops answering at that step, once.
 */
export interface Faults {
  nan_steps?: number[];
  spike_steps?: number[];
  kill_worker_step?: number;
  hang_worker_step?: number;
  kill_marker?: string;
}

export function faults(): Faults {
  const raw = process.env.MOE_TEST_FAULTS;
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Faults;
  } catch {
    return {};
  }
}
