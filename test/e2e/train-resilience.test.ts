/**
 * Training that survives what long runs meet: a non-finite loss, a loss spike, SIGTERM, a worker
 * that dies, a damaged checkpoint, shards of another tokenizer, kill -9 and resume; and the cpu
 * backend giving the wasm backend's numbers. Faults are injected with the test-only
 * MOE_TEST_FAULTS (src/train/faults.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moe, paragraphShards, ROOT, tmpDir } from '../helpers.js';

let base: string;
let shards: string;
let otherShards: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'moe-resilience-'));
  shards = paragraphShards(base, 300);
  otherShards = paragraphShards(base, 290, 'other');
}, 60_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

const config = (train: Record<string, unknown> = {}): string => {
  const file = join(tmpDir(), 'train.yaml');
  const model = {
    vocab_size: 300,
    d_model: 16,
    n_layers: 2,
    n_heads: 2,
    max_seq_len: 16,
    dense_layers: 1,
    d_ff: 32,
    n_routed_experts: 4,
    n_shared_experts: 1,
    top_k: 2,
    d_expert: 16,
  };
  const t = {
    seed: 5,
    batchSize: 4,
    gradAccum: 2,
    steps: 8,
    warmupSteps: 2,
    logEvery: 1,
    evalEvery: 4,
    evalTokens: 256,
    checkpointEvery: 2,
    keep: 5,
    ...train,
  };
  writeFileSync(file, `model: ${JSON.stringify(model)}\ntrain: ${JSON.stringify(t)}\n`);
  return file;
};

type Line = Record<string, unknown> & { step: number };
const metrics = (run: string): Line[] =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
/** metrics without the wall-clock figure, to compare two runs */
const decisions = (run: string): string =>
  JSON.stringify(metrics(run).map(({ tokens_per_s: _, data_wait_ms: __, ...rest }) => rest));
const weights = (run: string, step: number): string =>
  readFileSync(join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`, 'model.safetensors')).toString(
    'base64',
  );

function train(cfg: string, out: string, extra: string[] = [], faults?: object): { code: number; stderr: string } {
  const r = moe(
    ['train', '--config', cfg, '--data', shards, '--out', out, '--backend', 'wasm', '--workers', '1', ...extra],
    faults ? { env: { MOE_TEST_FAULTS: JSON.stringify(faults) } } : {},
  );
  return { code: r.code, stderr: r.stderr };
}

describe('non-finite guard and loss-spike rollback', () => {
  it('a NaN gradient at step 3 skips that update: the weights equal a run with step 3 removed from the schedule', () => {
    const cfg = config();
    const dir = tmpDir();
    const nan = train(cfg, join(dir, 'nan'), [], { nan_steps: [3] });
    expect(nan.code, nan.stderr).toBe(0);
    expect(nan.stderr).toContain(
      'warning: train: step 3: gradient norm is not finite; the step is skipped (batches 4, 5)',
    );
    const line = metrics(join(dir, 'nan')).find((m) => m.skipped);
    expect(line).toEqual({
      step: 3,
      skipped: 'non_finite',
      loss: expect.any(Number),
      grad_norm: 'NaN',
      batches: [4, 5],
    });
    expect(train(config({ skipSteps: [3] }), join(dir, 'removed')).code).toBe(0);
    expect(train(cfg, join(dir, 'plain')).code).toBe(0);
    expect(weights(join(dir, 'nan'), 8)).toBe(weights(join(dir, 'removed'), 8));
    expect(weights(join(dir, 'nan'), 8)).not.toBe(weights(join(dir, 'plain'), 8));
    const state = JSON.parse(readFileSync(join(dir, 'nan/checkpoints/step-000008/trainer_state.json'), 'utf8'));
    expect(state.skipped_steps).toEqual([3]);
  }, 120_000);

  it('consecutive non-finite steps roll the run back to its last checkpoint, recorded in metrics and state', () => {
    const dir = tmpDir();
    const r = train(config({ maxNonFiniteSkips: 2 }), join(dir, 'run'), [], { nan_steps: [5, 6] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('train: 2 non-finite steps in a row; continuing from');
    const lines = metrics(join(dir, 'run'));
    expect(lines.map((m) => m.step)).toEqual([1, 2, 3, 4, 6, 7, 8]);
    expect(lines[4]!.rollback).toEqual({ at_step: 6, to_step: 4, reason: 'non_finite', skipped: [5, 6], lr_scale: 1 });
  }, 60_000);

  it('a loss spike rolls back, skips the batches up to it and continues; a second run decides the same, byte for byte', () => {
    const dir = tmpDir();
    const cfg = config({ spike: { factor: 3, window: 2, lrScale: 0.5 } });
    const runs = ['a', 'b'].map((name) => {
      const r = train(cfg, join(dir, name), [], { spike_steps: [6] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('warning: train: step 6: loss');
      expect(r.stderr).toContain('rolling back to step 4 and skipping steps 5–6');
      return join(dir, name);
    });
    const lines = metrics(runs[0]!);
    expect(lines.map((m) => m.step)).toEqual([1, 2, 3, 4, 6, 7, 8]);
    expect(lines[4]!.rollback).toMatchObject({
      at_step: 6,
      to_step: 4,
      reason: 'loss_spike',
      skipped: [5, 6],
      lr_scale: 0.5,
    });
    // the learning rate after the rollback is the schedule's, halved
    const plain = join(dir, 'plain');
    expect(train(config(), plain).code).toBe(0);
    expect(lines[5]!.lr).toBeCloseTo((metrics(plain)[6]!.lr as number) * 0.5, 12);
    expect(decisions(runs[1]!)).toBe(decisions(runs[0]!));
    expect(weights(runs[1]!, 8)).toBe(weights(runs[0]!, 8));
    const state = JSON.parse(readFileSync(join(runs[0]!, 'checkpoints/step-000008/trainer_state.json'), 'utf8'));
    expect(state).toMatchObject({
      skipped_steps: [5, 6],
      lr_scale: 0.5,
      rollbacks: [{ at_step: 6, to_step: 4, reason: 'loss_spike', skipped: [5, 6], lr_scale: 0.5 }],
    });
  }, 120_000);
});

/** Starts `moe train`, waits until metrics.jsonl reaches `step`, sends `signal`; resolves with the exit code and stderr. */
function trainUntil(
  args: string[],
  out: string,
  step: number,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/moe'), ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let sent = false;
    const poll = setInterval(() => {
      if (sent || !existsSync(join(out, 'metrics.jsonl'))) return;
      const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as Line).step);
      if (Math.max(...steps) >= step) {
        sent = true;
        child.kill(signal);
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr });
    });
  });
}

describe('preemption and supervision', () => {
  it('SIGTERM at several moments: a checkpoint, exit 0, and --resume ends with the weights of an uninterrupted run', async () => {
    const cfg = config({ steps: 30, checkpointEvery: 100, evalEvery: 100 });
    const dir = tmpDir();
    const whole = join(dir, 'whole');
    expect(train(cfg, whole).code).toBe(0);
    for (const at of [2, 6]) {
      const out = join(dir, `term-${at}`);
      const args = ['train', '--config', cfg, '--data', shards, '--out', out, '--backend', 'wasm', '--workers', '2'];
      const r = await trainUntil(args, out, at, 'SIGTERM');
      expect(r.code, r.stderr).toBe(0);
      const stoppedAt = Number(/stopped by SIGTERM after step (\d+)/.exec(r.stderr)?.[1]);
      expect(stoppedAt).toBeGreaterThanOrEqual(at);
      expect(stoppedAt).toBeLessThan(30);
      expect(readdirSync(join(out, 'checkpoints'))).toEqual([`step-${String(stoppedAt).padStart(6, '0')}`]);
      expect(r.stderr).toContain(
        `train: to continue: moe train --config ${cfg} --data ${shards} --out ${out} --resume`,
      );
      expect(moe([...args, '--resume', '--quiet']).code).toBe(0);
      expect(weights(out, 30)).toBe(weights(whole, 30));
      // each step once in the metrics
      expect(metrics(out).map((m) => m.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
  }, 180_000);

  it('kill -9 and --resume: metrics.jsonl has each step once', async () => {
    const cfg = config({ steps: 30, checkpointEvery: 3, evalEvery: 100 });
    const out = join(tmpDir(), 'run');
    const args = ['train', '--config', cfg, '--data', shards, '--out', out, '--backend', 'wasm', '--workers', '1'];
    const r = await trainUntil(args, out, 5, 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(moe([...args, '--resume', '--quiet']).code).toBe(0);
    expect(metrics(out).map((m) => m.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  }, 120_000);

  it('a worker that dies mid-run is restarted from the last checkpoint under --max-restarts 1 (same final weights); with 0 the run stops naming it', () => {
    const cfg = config();
    const dir = tmpDir();
    const whole = join(dir, 'whole');
    expect(
      moe([
        'train',
        '--config',
        cfg,
        '--data',
        shards,
        '--out',
        whole,
        '--backend',
        'wasm',
        '--workers',
        '2',
        '--quiet',
      ]).code,
    ).toBe(0);
    const run = (out: string, restarts: string): { code: number; stderr: string } =>
      moe(
        [
          'train',
          '--config',
          cfg,
          '--data',
          shards,
          '--out',
          out,
          '--backend',
          'wasm',
          '--workers',
          '2',
          '--max-restarts',
          restarts,
        ],
        {
          env: {
            MOE_TEST_FAULTS: JSON.stringify({
              kill_worker_step: 5,
              kill_marker: join(out, '..', `${restarts}.killed`),
            }),
          },
        },
      );
    const restarted = run(join(dir, 'restarted'), '1');
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stderr).toContain('train: worker 1 exited (code 1) at step 5; restart 1 of 1; continuing from');
    expect(weights(join(dir, 'restarted'), 8)).toBe(weights(whole, 8));
    // a worker that stops answering is taken for hung after train.workerTimeout, and restarted the same way
    const hung = moe(
      [
        'train',
        '--config',
        config({ workerTimeout: 5 }),
        '--data',
        shards,
        '--out',
        join(dir, 'hung'),
        '--backend',
        'wasm',
        '--workers',
        '2',
        '--max-restarts',
        '1',
      ],
      {
        env: { MOE_TEST_FAULTS: JSON.stringify({ hang_worker_step: 5, kill_marker: join(dir, 'hung.marker') }) },
      },
    );
    expect(hung.code, hung.stderr).toBe(0);
    expect(hung.stderr).toContain(
      'train: worker 1 did not answer within 5 s (train.workerTimeout) at step 5; restart 1 of 1',
    );
    expect(weights(join(dir, 'hung'), 8)).toBe(weights(whole, 8));
    const stopped = run(join(dir, 'stopped'), '0');
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('moe: error: training worker 1 exited (code 1) at step 5');
    expect(stopped.stderr).toContain('hint: pass --max-restarts N');
  }, 120_000);
});

describe('checkpoints you can trust', () => {
  it('a damaged latest checkpoint: --resume says so and continues from the one before, to the same weights', () => {
    const cfg = config();
    const dir = tmpDir();
    const whole = join(dir, 'whole');
    expect(train(cfg, whole).code).toBe(0);
    const out = join(dir, 'run');
    expect(train(cfg, out, ['--max-steps', '4']).code).toBe(0);
    const latest = join(out, 'checkpoints/step-000004/model.safetensors');
    const bytes = readFileSync(latest);
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(latest, bytes);
    const r = train(cfg, out, ['--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `warning: train: checkpoint ${join(out, 'checkpoints/step-000004')} is damaged (model.safetensors differs from its sha256 in sha256.json); trying the one before`,
    );
    expect(r.stderr).toContain(`train: resumed from ${join(out, 'checkpoints/step-000002')} (step 2)`);
    expect(weights(out, 8)).toBe(weights(whole, 8));
    // finished: a further --resume says so and trains nothing
    const again = train(cfg, out, ['--resume']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`train: ${out} is finished (step 8 of 8); nothing to train`);
  }, 120_000);

  it('shards of another tokenizer are refused by --resume and eval, naming both sha256s', () => {
    const cfg = config();
    const out = join(tmpDir(), 'run');
    expect(train(cfg, out, ['--max-steps', '2']).code).toBe(0);
    const mine = JSON.parse(readFileSync(join(shards, 'shards.json'), 'utf8')).tokenizer_sha256 as string;
    const theirs = JSON.parse(readFileSync(join(otherShards, 'shards.json'), 'utf8')).tokenizer_sha256 as string;
    for (const args of [
      ['train', '--config', cfg, '--data', otherShards, '--out', out, '--resume', '--backend', 'wasm'],
      ['eval', '--checkpoint', join(out, 'checkpoints/step-000002'), '--data', otherShards, '--backend', 'wasm'],
    ]) {
      const r = moe(args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr).toContain(
        `${otherShards} was tokenized with another tokenizer (sha256 ${theirs.slice(0, 16)}…) than ${join(out, 'checkpoints/step-000002')} was trained with (${mine.slice(0, 16)}…)`,
      );
    }
    // the loss did not jump: nothing was trained on them
    expect(metrics(out).map((m) => m.step)).toEqual([1, 2]);
  }, 60_000);

  it('a resume whose config changed the schedule says how the learning rate changes', () => {
    const out = join(tmpDir(), 'run');
    expect(train(config(), out, ['--max-steps', '4']).code).toBe(0);
    const r = train(config({ steps: 12 }), out, ['--resume', '--max-steps', '6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning: train: the schedule changed since step 4 \(steps 8 → 12\): the learning rate of step 5 is \S+, not \S+/,
    );
    // the run's charts are written at the end, and said
    expect(r.stderr).toContain(`train: charts: ${join(out, 'report.html')}`);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<meta name="generator" content="moe report">');
    // at the step --max-steps names already: nothing to train, said plainly
    const again = train(config({ steps: 12 }), out, ['--resume', '--max-steps', '6']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`train: ${out} is already at step 6 (--max-steps 6); nothing to train`);
    expect(again.stderr).not.toContain('step ?');
  }, 60_000);
});

describe('every backend', () => {
  it('the cpu backend gives the validation loss of wasm (relative difference < 1e-4) and the same greedy continuation', () => {
    const out = join(tmpDir(), 'run');
    expect(train(config(), out).code).toBe(0);
    const ck = join(out, 'checkpoints/step-000008');
    const losses = (['wasm', 'cpu'] as const).map(
      (backend) =>
        JSON.parse(
          moe(['eval', '--checkpoint', ck, '--data', shards, '--json', '--backend', backend])
            .stdout.trim()
            .split('\n')
            .pop()!,
        ).loss as number,
    );
    expect(Math.abs(losses[1]! - losses[0]!) / losses[0]!).toBeLessThan(1e-4);
    const texts = (['wasm', 'cpu'] as const).map(
      (backend) =>
        JSON.parse(
          moe([
            'generate',
            '--checkpoint',
            ck,
            '--prompt',
            'The river',
            '--max-new-tokens',
            '12',
            '--temperature',
            '0',
            '--json',
            '--backend',
            backend,
          ]).stdout,
        ).ids as number[],
    );
    expect(texts[1]).toEqual(texts[0]);
    expect(texts[0]!.length).toBeGreaterThan(0);
  }, 60_000);
});
