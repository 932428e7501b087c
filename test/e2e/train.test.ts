import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moe, paragraphShards, ROOT, tmpDir } from '../helpers.js';

let base: string;
let shards: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'moe-train-'));
  shards = paragraphShards(base, 400);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const config = (over: Record<string, unknown> = {}, train: Record<string, unknown> = {}): string => {
  const file = join(tmpDir(), 'train.yaml');
  const model = {
    vocab_size: 400,
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
    ...over,
  };
  const t = {
    seed: 3,
    batchSize: 4,
    steps: 8,
    warmupSteps: 2,
    logEvery: 1,
    evalEvery: 4,
    evalTokens: 512,
    checkpointEvery: 4,
    keep: 3,
    ...train,
  };
  writeFileSync(file, `model: ${JSON.stringify(model)}\ntrain: ${JSON.stringify(t)}\n`);
  return file;
};

const metrics = (run: string): Array<Record<string, number>> =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

// Debian's python3-torch (apt-get install python3-torch), for the independent implementation
const TORCH_PY = '/usr/bin/python3';
const hasTorch = spawnSync(TORCH_PY, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;

describe('moe train', () => {
  it.skipIf(!hasTorch)(
    'an independent PyTorch implementation of DESIGN §5 gives the same validation loss and greedy continuation',
    () => {
      const run = join(tmpDir(), 'parity');
      for (const router of ['softmax', 'sigmoid']) {
        expect(
          moe([
            'train',
            '--config',
            config({ router, norm_topk_prob: router === 'sigmoid', route_scale: router === 'sigmoid' ? 2 : 1 }),
            '--data',
            shards,
            '--out',
            join(run, router),
            '--quiet',
            '--backend',
            'wasm',
          ]).code,
        ).toBe(0);
        const ck = join(run, router, 'checkpoints', 'step-000008');
        const ours = JSON.parse(
          moe(['eval', '--checkpoint', ck, '--data', shards, '--json', '--backend', 'wasm'])
            .stdout.trim()
            .split('\n')
            .pop()!,
        ) as { loss: number; tokens: number };
        const py = spawnSync(
          TORCH_PY,
          [join(ROOT, 'test/torch_moe.py'), 'eval', ck, join(shards, 'val_text_document')],
          { encoding: 'utf8' },
        );
        expect(py.stderr).toBe('');
        const theirs = JSON.parse(py.stdout) as { loss: number; tokens: number };
        expect(theirs.tokens).toBe(ours.tokens);
        expect(
          Math.abs(ours.loss - theirs.loss) / theirs.loss,
          `${router}: moe ${ours.loss} vs torch ${theirs.loss}`,
        ).toBeLessThan(1e-4);
        const gen = JSON.parse(
          moe([
            'generate',
            '--checkpoint',
            ck,
            '--prompt',
            'The river floods every spring',
            '--max-new-tokens',
            '12',
            '--json',
            '--backend',
            'wasm',
          ])
            .stdout.trim()
            .split('\n')
            .pop()!,
        ) as { prompt_ids: number[]; ids: number[] };
        const pyGen = JSON.parse(
          spawnSync(TORCH_PY, [join(ROOT, 'test/torch_moe.py'), 'generate', ck, '12', ...gen.prompt_ids.map(String)], {
            encoding: 'utf8',
          }).stdout,
        ) as { ids: number[] };
        const eot = pyGen.ids.indexOf(0);
        expect(gen.ids).toEqual(eot >= 0 ? pyGen.ids.slice(0, eot) : pyGen.ids);
      }
    },
  );

  it('resume: 4 steps + resume to 8 gives the same losses, step by step, and the same weights as 8 in one go', () => {
    const cfg = config();
    const a = join(tmpDir(), 'a');
    const b = join(tmpDir(), 'b');
    expect(moe(['train', '--config', cfg, '--data', shards, '--out', a, '--quiet', '--backend', 'wasm']).code).toBe(0);
    expect(
      moe(['train', '--config', cfg, '--data', shards, '--out', b, '--quiet', '--backend', 'wasm', '--max-steps', '4'])
        .code,
    ).toBe(0);
    const resumed = moe([
      'train',
      '--config',
      cfg,
      '--data',
      shards,
      '--out',
      b,
      '--quiet',
      '--backend',
      'wasm',
      '--resume',
    ]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resumed from');
    const strip = (m: Record<string, number>) => ({ ...m, tokens_per_s: 0, data_wait_ms: 0 });
    expect(metrics(b).map(strip)).toEqual(metrics(a).map(strip));
    expect(metrics(a)).toHaveLength(8);
    expect(metrics(a)[7]!.loss).toBeLessThan(metrics(a)[0]!.loss!);
    const w = (run: string) => readFileSync(join(run, 'checkpoints', 'step-000008', 'model.safetensors'));
    expect(w(b).equals(w(a))).toBe(true);
  });

  it('data parallel: 2 workers (one micro-batch each) give the same losses and bytes of weights as 1, also across a resume', () => {
    const cfg = config({ bias_update_rate: 0.01 }, { batchSize: 2, gradAccum: 2 });
    const one = join(tmpDir(), 'w1');
    const two = join(tmpDir(), 'w2');
    const mixed = join(tmpDir(), 'w21');
    const r1 = moe(['train', '--config', cfg, '--data', shards, '--out', one, '--backend', 'wasm', '--workers', '1']);
    expect(r1.code).toBe(0);
    expect(r1.stderr).toContain('train: 1 data-parallel replica,');
    const r2 = moe(['train', '--config', cfg, '--data', shards, '--out', two, '--backend', 'wasm', '--workers', '2']);
    expect(r2.code).toBe(0);
    expect(r2.stderr).toContain('train: 2 data-parallel replicas (worker threads)');
    expect(
      moe([
        'train',
        '--config',
        cfg,
        '--data',
        shards,
        '--out',
        mixed,
        '--quiet',
        '--backend',
        'wasm',
        '--workers',
        '2',
        '--max-steps',
        '4',
      ]).code,
    ).toBe(0);
    expect(
      moe([
        'train',
        '--config',
        cfg,
        '--data',
        shards,
        '--out',
        mixed,
        '--quiet',
        '--backend',
        'wasm',
        '--workers',
        '1',
        '--resume',
      ]).code,
    ).toBe(0);
    const losses = (run: string) => metrics(run).map((m) => [m.loss, m.grad_norm, m.val_loss ?? null]);
    expect(losses(two)).toEqual(losses(one));
    expect(losses(mixed)).toEqual(losses(one));
    const weights = (run: string) => readFileSync(join(run, 'checkpoints', 'step-000008', 'model.safetensors'));
    expect(weights(two).equals(weights(one))).toBe(true);
    expect(weights(mixed).equals(weights(one))).toBe(true);
    // more workers than micro-batches: the extra ones are not started, and the user is told
    const r3 = moe([
      'train',
      '--config',
      config(),
      '--data',
      shards,
      '--out',
      join(tmpDir(), 'w3'),
      '--backend',
      'wasm',
      '--workers',
      '3',
      '--max-steps',
      '1',
    ]);
    expect(r3.stderr).toContain('train: using 1 of 3 workers: a step has 1 micro-batch(es), one per worker');
  });

  it('leaks no tensors: the count after step 10 equals the count after step 100', () => {
    const file = join(tmpDir(), 'long.yaml');
    writeFileSync(
      file,
      `model: { vocab_size: 400, d_model: 8, n_layers: 2, n_heads: 2, max_seq_len: 8, dense_layers: 1, d_ff: 16, n_routed_experts: 4, n_shared_experts: 1, top_k: 2, d_expert: 8 }\ntrain: { steps: 100, batchSize: 2, logEvery: 1, evalEvery: 50, evalTokens: 256, checkpointEvery: 50 }\n`,
    );
    const run = join(tmpDir(), 'long');
    expect(moe(['train', '--config', file, '--data', shards, '--out', run, '--quiet', '--backend', 'wasm']).code).toBe(
      0,
    );
    const m = metrics(run);
    expect(m).toHaveLength(100);
    expect(m[99]!.tensors).toBe(m[9]!.tensors);
  });

  it('balance: the aux loss, and separately bias updates, keep the busiest expert within 1.5× uniform; with both off the metrics show imbalance', () => {
    const busiest = (aux: number, bias: number): number => {
      const file = join(tmpDir(), 'bal.yaml');
      writeFileSync(
        file,
        `model: { vocab_size: 400, d_model: 32, n_layers: 3, n_heads: 2, max_seq_len: 32, dense_layers: 1, d_ff: 64, n_routed_experts: 4, n_shared_experts: 1, top_k: 2, d_expert: 32, aux_loss_coef: ${aux}, bias_update_rate: ${bias} }\ntrain: { steps: 150, batchSize: 8, logEvery: 1, evalEvery: 1000, checkpointEvery: 1000 }\n`,
      );
      const run = join(tmpDir(), 'bal');
      expect(
        moe(['train', '--config', file, '--data', shards, '--out', run, '--quiet', '--backend', 'wasm']).code,
      ).toBe(0);
      const last = metrics(run).slice(-10) as unknown as Array<{ expert_load: number[][] }>;
      // per layer and expert, the share of routing slots over the last 10 steps; the busiest one
      const layers = last[0]!.expert_load.length;
      let max = 0;
      for (let l = 0; l < layers; l++)
        for (let e = 0; e < 4; e++)
          max = Math.max(max, last.reduce((s, m) => s + m.expert_load[l]![e]!, 0) / last.length);
      return max;
    };
    const uniform = 0.25;
    const withAux = busiest(0.05, 0);
    const withBias = busiest(0, 0.01);
    const off = busiest(0, 0);
    expect(withAux).toBeLessThanOrEqual(1.5 * uniform);
    expect(withBias).toBeLessThanOrEqual(1.5 * uniform);
    expect(off).toBeGreaterThan(1.5 * uniform);
  });

  it('eval scores the validation windows; generate at temperature 0 is deterministic', () => {
    const run = join(tmpDir(), 'r');
    expect(
      moe(['train', '--config', config(), '--data', shards, '--out', run, '--quiet', '--backend', 'wasm']).code,
    ).toBe(0);
    const ck = join(run, 'checkpoints', 'step-000008');
    const e = moe(['eval', '--checkpoint', ck, '--data', shards, '--json', '--backend', 'wasm']);
    expect(e.code).toBe(0);
    const r = JSON.parse(e.stdout.trim().split('\n').pop()!) as { loss: number; perplexity: number; tokens: number };
    expect(r.tokens % 16).toBe(0);
    expect(r.perplexity).toBeCloseTo(Math.exp(r.loss), 3);
    const g1 = moe([
      'generate',
      '--checkpoint',
      ck,
      '--prompt',
      'The village',
      '--max-new-tokens',
      '8',
      '--backend',
      'wasm',
    ]);
    const g2 = moe([
      'generate',
      '--checkpoint',
      ck,
      '--prompt',
      'The village',
      '--max-new-tokens',
      '8',
      '--backend',
      'wasm',
    ]);
    expect(g1.code).toBe(0);
    expect(g1.stdout).toBe(g2.stdout);
  });

  it('bad input: top_k above the experts, a vocabulary too small for the shards, a missing checkpoint', () => {
    const bad = moe(['train', '--config', config({ top_k: 9 }), '--data', shards, '--out', join(tmpDir(), 'x')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('top_k 9 is larger than n_routed_experts 4');
    const small = moe([
      'train',
      '--config',
      config({ vocab_size: 100 }),
      '--data',
      shards,
      '--out',
      join(tmpDir(), 'y'),
      '--backend',
      'wasm',
    ]);
    expect(small.code).toBe(1);
    expect(small.stderr).toContain("was tokenized with 400 ids, more than the model's vocab_size 100");
    const none = join(tmpDir(), 'none');
    const missing = moe(['eval', '--checkpoint', none, '--data', shards, '--backend', 'wasm']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`moe: error: ${none} not found`);
    mkdirSync(none);
    const empty = moe(['eval', '--checkpoint', none, '--data', shards, '--backend', 'wasm']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('is not a complete checkpoint: config.json is missing');
  });
});
