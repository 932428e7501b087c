/**
 * The step loop (docs/DESIGN.md §6): each step's gradients from the replicas, the guards (a
 * non-finite loss or gradient skips the step; too many in a row, or a loss spike, roll back to the
 * last checkpoint), the update with the bias step of auxiliary-loss-free balancing, validation,
 * `metrics.jsonl`, progress and checkpoints. A worker that dies or hangs restarts every replica
 * from the last checkpoint. `run.ts` prepares the run and calls it.
 */
import { join } from 'node:path';
import { DataError } from '../core/errors.js';
import { info, warn } from '../core/log.js';
import { appendText, exists, writeJsonAtomic } from '../io/files.js';
import { latestGoodCheckpoint, readCheckpointInfo, type Rollback, type TrainerState } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { faults } from './faults.js';
import { type StepMetrics, type TrainResult, type TrainRun, truncateMetrics } from './metrics.js';
import type { ModelConfig } from './model/config.js';
import { lrAt } from './optim.js';
import type { ReplicaInit } from './replica.js';
import {
  accumulate,
  applyAll,
  evaluateAll,
  type Replicas,
  startReplicas,
  stopReplicas,
  WorkerFailure,
} from './replicas.js';

export interface LoopOptions {
  configSha: string;
  hasVal: boolean;
  signals: { requested: () => string | undefined };
}

/** One step's gradients summed over its micro-batches. */
interface Gradients {
  results: Awaited<ReturnType<typeof accumulate>>['results'];
  present: Awaited<ReturnType<typeof accumulate>>['present'];
  sums: { loss: number; ce: number; aux: number; z: number };
  /** Per MoE layer, the fraction of tokens each routed expert received. */
  load: number[][];
}

/** Runs the steps of a prepared run from `start` on `workers` replicas. */
export function loop(
  run: TrainRun,
  init: ReplicaInit,
  workers: number,
  start: TrainerState,
  opts: LoopOptions,
): Promise<TrainResult> {
  return new StepLoop(run, init, workers, start, opts).run();
}

class StepLoop {
  private readonly c: ModelConfig;
  private readonly t: TrainConfig;
  private readonly metricsFile: string;
  private readonly fault = faults();
  private readonly spiked = new Set<number>();
  private readonly history: StepMetrics[] = [];
  private state: TrainerState;
  private replicas!: Replicas;
  private restarts = 0;
  private rollbacks = 0;
  private lastCheckpoint: string | undefined;
  /** The skips and rollbacks decided so far: kept across rollbacks (the checkpoint's state predates them). */
  private readonly skipped: Set<number>;
  private readonly decided: Rollback[];
  private lrScale: number;
  /** The losses of the last steps (the spike window), and the non-finite steps in a row. */
  private losses: number[] = [];
  private nonFinite = 0;
  // throughput counts the steps since the last log line and only their training time, not evaluation
  private trainMs = 0;
  private runStart = 0;
  private firstStep = 0;
  private lastVal: { loss: number; step: number } | undefined;
  private loggedStep = 0;
  private readonly last: number;

  constructor(
    private readonly r: TrainRun,
    private readonly init: ReplicaInit,
    private readonly workers: number,
    private readonly start: TrainerState,
    private readonly opts: LoopOptions,
  ) {
    this.c = r.model;
    this.t = r.train;
    this.metricsFile = join(r.out, 'metrics.jsonl');
    this.state = start;
    this.lastCheckpoint = init.checkpoint;
    this.skipped = new Set<number>([...(start.skipped_steps ?? []), ...this.t.skipSteps]);
    this.decided = [...(start.rollbacks ?? [])];
    this.lrScale = start.lr_scale ?? 1;
    this.last = Math.min(this.t.steps, r.stopAt ?? this.t.steps);
  }

  private log(line: object): Promise<void> {
    return appendText(this.metricsFile, `${JSON.stringify(line)}\n`);
  }

  async run(): Promise<TrainResult> {
    const { t, fault } = this;
    this.replicas = await startReplicas(this.init, this.workers, this.r.backend ?? 'wasm', {
      timeoutMs: t.workerTimeout * 1000,
      killAt: fault.kill_worker_step,
      hangAt: fault.hang_worker_step,
      killMarker: fault.kill_marker,
    });
    this.runStart = Date.now();
    this.firstStep = this.state.step;
    this.loggedStep = this.state.step;
    try {
      while (this.state.step < this.last) {
        const step = this.state.step;
        if (this.opts.signals.requested()) break;
        if (this.skipped.has(step + 1)) {
          this.state.step = step + 1;
          continue;
        }
        try {
          await this.step(step);
        } catch (e) {
          // a worker died or hung (in its gradients, its update or the evaluation): every replica restarts from the last checkpoint
          if (!(e instanceof WorkerFailure)) throw e;
          const max = this.r.maxRestarts ?? 0;
          if (this.restarts >= max)
            throw new DataError(
              `training ${e.message} at step ${step + 1}`,
              max
                ? `it failed ${this.restarts + 1} times; the run stops after --max-restarts ${max}`
                : 'pass --max-restarts N to restart it from the last checkpoint, or --resume the run',
            );
          this.restarts += 1;
          await this.restartFrom(`${e.message} at step ${step + 1}; restart ${this.restarts} of ${max}`);
        }
      }
      return await this.finish();
    } finally {
      await stopReplicas(this.replicas);
    }
  }

  /** After the last step or a signal: the checkpoint still to write, the run's config, the result. */
  private async finish(): Promise<TrainResult> {
    const { state } = this;
    const stopped = this.opts.signals.requested();
    // stopped on a skipped step: its checkpoint is still to write
    if (stopped && lastCheckpointStep(this.lastCheckpoint) !== state.step) await this.save();
    await writeJsonAtomic(join(this.r.out, 'train_config.json'), {
      model: this.c,
      train: this.t,
      config_sha256: this.opts.configSha,
      data: this.r.data,
    });
    const best =
      state.best_val_step != null
        ? join(this.r.out, 'checkpoints', `step-${String(state.best_val_step).padStart(6, '0')}`)
        : undefined;
    return {
      history: this.history,
      ...(stopped ? { stopped } : {}),
      checkpoint: this.lastCheckpoint,
      ...(best && (await exists(best)) ? { best } : {}),
      restarts: this.restarts,
      rollbacks: this.rollbacks,
    };
  }

  /** A checkpoint of the current state, with the skips and rollbacks decided so far. */
  private async save(): Promise<void> {
    this.state.skipped_steps = [...this.skipped].sort((a, b) => a - b);
    this.state.rollbacks = [...this.decided];
    this.state.lr_scale = this.lrScale;
    this.lastCheckpoint = await this.replicas.main.save(this.r.out, this.state);
  }

  /** Back to the last checkpoint (or the start), on fresh replicas, keeping the skips and rollbacks decided since. */
  private async restartFrom(why: string, record?: object): Promise<void> {
    await stopReplicas(this.replicas);
    const ck =
      this.lastCheckpoint ??
      (await latestGoodCheckpoint(this.r.out, (dir, w) =>
        warn(`train: checkpoint ${dir} is damaged (${w}); trying the one before`),
      ));
    const base = ck
      ? (await readCheckpointInfo(ck)).state
      : { ...this.start, step: 0, tokens_seen: 0, adam_step: 0, best_val_loss: null, best_val_step: null };
    this.state = {
      ...base,
      skipped_steps: [...this.skipped].sort((a, b) => a - b),
      rollbacks: [...this.decided],
      lr_scale: this.lrScale,
    };
    // the steps after the checkpoint are undone: their lines go, the decision that undid them stays
    await truncateMetrics(this.metricsFile, this.state.step);
    const kept = this.history.filter((m) => m.step <= this.state.step);
    this.history.splice(0, this.history.length, ...kept);
    if (record) await this.log(record);
    info(`train: ${why}; continuing from ${ck ?? 'the initial weights'} (step ${this.state.step})`);
    this.replicas = await startReplicas({ ...this.init, checkpoint: ck }, this.workers, this.r.backend ?? 'wasm', {
      timeoutMs: this.t.workerTimeout * 1000,
    });
    this.losses = [];
    this.nonFinite = 0;
  }

  /** One step: gradients, the guards, the update, validation, logging, the checkpoint. */
  private async step(step: number): Promise<void> {
    const stepStart = Date.now();
    const lr = lrAt(step, this.t) * this.lrScale;
    const g = await this.gradients(step);
    if (await this.skipNonFinite(step, g)) return;
    if (await this.rollBackOnSpike(step, g)) return;
    const { c, t, state, replicas } = this;
    this.losses.push(g.sums.loss);
    if (this.losses.length > t.spike.window) this.losses.shift();
    // auxiliary-loss-free balancing: the bias moves against each expert's excess load
    const uniform = 1 / c.n_routed_experts;
    const biasDelta =
      c.bias_update_rate > 0 ? g.load.map((l) => l.map((f) => c.bias_update_rate * Math.sign(uniform - f))) : undefined;
    const gradNorm = await applyAll(replicas, g.present, lr, biasDelta);
    state.step = step + 1;
    state.tokens_seen += t.batchSize * c.max_seq_len * t.gradAccum;
    state.adam_step = replicas.main.adam.step;
    this.trainMs += Date.now() - stepStart;
    const dataWait = g.results.reduce((s, r) => s + r.dataMs, 0) / replicas.clients.length;
    const m: StepMetrics = {
      step: step + 1,
      ...g.sums,
      lr,
      grad_norm: gradNorm,
      tokens_per_s: 0,
      data_wait_ms: Math.round(dataWait * 1000) / 1000,
      expert_load: g.load.map((l) => l.map((x) => Math.round(x * 1e4) / 1e4)),
      tensors: replicas.main.tensors(),
    };
    if (this.opts.hasVal && (state.step % t.evalEvery === 0 || state.step === t.steps)) {
      m.val_loss = (await evaluateAll(replicas, t.evalTokens)).loss;
      if (state.best_val_loss === null || m.val_loss < state.best_val_loss) {
        state.best_val_loss = m.val_loss;
        state.best_val_step = state.step;
      }
    }
    const stopping = this.opts.signals.requested() !== undefined;
    if (state.step % t.logEvery === 0 || state.step === this.last || m.val_loss !== undefined || stopping)
      await this.report(m);
    this.history.push(m);
    if (state.step % t.checkpointEvery === 0 || state.step === this.last || stopping) await this.save();
  }

  /** The step's gradients and losses from the replicas, with the faults a test injects. */
  private async gradients(step: number): Promise<Gradients> {
    const { c, t, fault } = this;
    const { results, present } = await accumulate(this.replicas, step, t.gradAccum);
    const sums = { loss: 0, ce: 0, aux: 0, z: 0 };
    const moeLayers = c.n_layers - c.dense_layers;
    const load: number[][] = Array.from({ length: moeLayers }, () => new Array<number>(c.n_routed_experts).fill(0));
    for (const r of results) {
      sums.loss += r.loss;
      sums.ce += r.ce / t.gradAccum;
      sums.aux += r.aux / t.gradAccum;
      sums.z += r.z / t.gradAccum;
      for (const [i, ld] of r.loads.entries()) for (const [e, f] of ld.entries()) load[i]![e]! += f / t.gradAccum;
    }
    if (fault.nan_steps?.includes(step + 1)) this.replicas.sum[0] = Number.NaN;
    if (fault.spike_steps?.includes(step + 1) && !this.spiked.has(step + 1)) {
      this.spiked.add(step + 1);
      sums.loss *= 100;
    }
    return { results, present, sums, load };
  }

  /**
   * The non-finite guard (Megatron's --check-for-nan-in-loss-and-grad): no update from this batch;
   * after `maxNonFiniteSkips` in a row, back to the last checkpoint. True when the step is skipped.
   */
  private async skipNonFinite(step: number, { sums }: Gradients): Promise<boolean> {
    const t = this.t;
    const norm = Math.sqrt(sumSquares(this.replicas.sum));
    if (Number.isFinite(sums.loss) && Number.isFinite(norm)) {
      this.nonFinite = 0;
      return false;
    }
    this.nonFinite += 1;
    this.skipped.add(step + 1);
    const batches = Array.from({ length: t.gradAccum }, (_, m) => step * t.gradAccum + m);
    await this.log({
      step: step + 1,
      skipped: 'non_finite',
      loss: Number.isFinite(sums.loss) ? sums.loss : String(sums.loss),
      grad_norm: Number.isFinite(norm) ? norm : String(norm),
      batches,
    });
    warn(
      `train: step ${step + 1}: ${Number.isFinite(sums.loss) ? 'gradient norm' : 'loss'} is not finite; the step is skipped (batches ${batches.join(', ')})`,
    );
    this.state.step = step + 1;
    if (this.nonFinite >= t.maxNonFiniteSkips) {
      const from = lastCheckpointStep(this.lastCheckpoint);
      const r: Rollback = {
        at_step: step + 1,
        to_step: from,
        reason: 'non_finite',
        skipped: [...this.skipped].filter((s) => s > from && s <= step + 1).sort((a, b) => a - b),
        lr_scale: this.lrScale,
      };
      this.decided.push(r);
      this.rollbacks += 1;
      await this.restartFrom(`${this.nonFinite} non-finite steps in a row`, { step: step + 1, rollback: r });
    }
    return true;
  }

  /**
   * Loss-spike rollback (PaLM, OPT): a loss over `factor` × the mean of the last steps goes back to
   * the last checkpoint, skipping the batches up to the spike, at a lower learning rate. True when it did.
   */
  private async rollBackOnSpike(step: number, { sums }: Gradients): Promise<boolean> {
    const spike = this.t.spike;
    const window = this.losses.slice(-spike.window);
    const mean = window.reduce((a, b) => a + b, 0) / Math.max(1, window.length);
    if (!(spike.factor > 0 && window.length === spike.window && sums.loss > spike.factor * mean)) return false;
    const from = lastCheckpointStep(this.lastCheckpoint);
    for (let s = from + 1; s <= step + 1; s++) this.skipped.add(s);
    this.lrScale *= spike.lrScale;
    const r: Rollback = {
      at_step: step + 1,
      to_step: from,
      reason: 'loss_spike',
      skipped: Array.from({ length: step - from + 1 }, (_, i) => from + 1 + i),
      lr_scale: this.lrScale,
    };
    this.decided.push(r);
    this.rollbacks += 1;
    warn(
      `train: step ${step + 1}: loss ${sums.loss.toFixed(4)} is over ${spike.factor} × the mean ${mean.toFixed(4)} of the last ${spike.window} steps: rolling back to step ${from} and skipping steps ${from + 1}–${step + 1}`,
    );
    await this.restartFrom(`loss spike at step ${step + 1}`, {
      step: step + 1,
      rollback: { ...r, loss: sums.loss, mean },
    });
    return true;
  }

  /** The step's line in metrics.jsonl, and progress a person can follow: where, how fast, how long still. */
  private async report(m: StepMetrics): Promise<void> {
    const { c, t, state } = this;
    const tokens = t.batchSize * c.max_seq_len * t.gradAccum * (state.step - this.loggedStep);
    m.tokens_per_s = Math.round(tokens / Math.max(this.trainMs / 1000, 1e-3));
    this.trainMs = 0;
    this.loggedStep = state.step;
    await this.log(m);
    if (m.val_loss !== undefined) this.lastVal = { loss: m.val_loss, step: m.step };
    if (this.r.silent) return;
    const elapsed = (Date.now() - this.runStart) / 1000;
    const eta = (elapsed / Math.max(1, state.step - this.firstStep)) * (this.last - state.step);
    const lastVal = this.lastVal;
    const val = lastVal
      ? `  val ${lastVal.loss.toFixed(4)}${lastVal.step === m.step ? '' : ` (step ${lastVal.step})`}`
      : '';
    info(
      `train: step ${m.step}/${t.steps}  loss ${m.loss.toFixed(4)} (ce ${m.ce.toFixed(4)})${val}  lr ${m.lr.toExponential(2)}  grad ${m.grad_norm.toFixed(3)}  ${m.tokens_per_s} tok/s  elapsed ${clock(elapsed)}  ETA ${clock(eta)}`,
    );
  }
}

/** The sum of squares of a gradient, NaN or Infinity when any element is. */
function sumSquares(g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return s;
}

/** Seconds as m:ss, or h:mm:ss from an hour. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** The step of a checkpoint folder (`…/step-000100` → 100), 0 for none. */
function lastCheckpointStep(dir: string | undefined): number {
  const m = dir ? /step-(\d+)$/.exec(dir) : null;
  return m ? Number(m[1]) : 0;
}
