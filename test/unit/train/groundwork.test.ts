import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DTYPE_UINT16, MegatronWriter } from '../../../src/io/megatron.js';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors.js';
import { checkVocab, ShardLoader } from '../../../src/train/data.js';
import { parameterCount, parseModelConfig } from '../../../src/train/model/config.js';
import { tmpDir } from '../../helpers.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('safetensors', () => {
  it('round-trips tensors and metadata, 8-byte aligned, readable by an independent parser', async () => {
    const file = join(tmpDir(), 'm.safetensors');
    const a = Float32Array.from([1.5, -2, 3.25, 0, 1e-7, -1e7]);
    const b = Int32Array.from([7, -8]);
    await writeSafetensors(
      file,
      {
        'model.embed_tokens.weight': { dtype: 'F32', shape: [2, 3], data: a },
        steps: { dtype: 'I32', shape: [2], data: b },
      },
      { format: 'pt' },
    );
    const r = readSafetensors(file);
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(Array.from(r.tensors.get('model.embed_tokens.weight')!.data)).toEqual(Array.from(a));
    expect(r.tensors.get('steps')).toEqual({ dtype: 'I32', shape: [2], data: b });
    if (hasPython) {
      const py = `import json,struct,sys
d=open(sys.argv[1],'rb').read(); n=struct.unpack('<Q',d[:8])[0]; h=json.loads(d[8:8+n]); assert (8+n)%8==0
e=h['model.embed_tokens.weight']; s,t=e['data_offsets']; print(json.dumps([e['shape'], list(struct.unpack('<6f', d[8+n+s:8+n+t]))]))`;
      const out = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
      const [shape, values] = JSON.parse(out.stdout) as [number[], number[]];
      expect(shape).toEqual([2, 3]);
      expect(values).toEqual(Array.from(a));
    }
  });

  it('refuses a truncated or malformed file with the failing check', async () => {
    const dir = tmpDir();
    const file = join(dir, 'm.safetensors');
    await writeSafetensors(file, { w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    const bytes = (await import('node:fs')).readFileSync(file);
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 4));
    expect(() => readSafetensors(join(dir, 'cut.safetensors'))).toThrow(
      /runs past the end of the file \(truncated\?\)/,
    );
    writeFileSync(join(dir, 'junk.safetensors'), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 123]));
    expect(() => readSafetensors(join(dir, 'junk.safetensors'))).toThrow(/not JSON/);
  });
});

describe('model config', () => {
  const base = {
    vocab_size: 4096,
    d_model: 256,
    n_layers: 4,
    n_heads: 4,
    max_seq_len: 256,
    dense_layers: 1,
    d_ff: 1024,
    n_routed_experts: 8,
    n_shared_experts: 1,
    top_k: 2,
    d_expert: 256,
    router: 'softmax',
    norm_topk_prob: true,
  };
  it('fills the DESIGN defaults', () => {
    expect(parseModelConfig(base, 'c.json')).toMatchObject({
      rope_theta: 10000,
      rms_norm_eps: 1e-6,
      route_scale: 1,
      aux_loss_coef: 0.01,
      z_loss_coef: 0.001,
      bias_update_rate: 0,
      tie_embeddings: false,
    });
    expect(parameterCount(parseModelConfig(base, 'c.json'))).toBeGreaterThan(2 * 4096 * 256);
  });
  it('names what to fix', () => {
    expect(() => parseModelConfig({ ...base, top_k: 9 }, 'c.json')).toThrow(
      'c.json: model key "top_k": top_k 9 is larger than n_routed_experts 8',
    );
    expect(() => parseModelConfig({ ...base, n_heads: 3 }, 'c.json')).toThrow(
      'd_model 256 is not divisible by n_heads 3',
    );
    expect(() => parseModelConfig({ ...base, nlayers: 2 }, 'c.json')).toThrow('unknown key "nlayers"');
  });
});

describe('ShardLoader', () => {
  function shards(): string {
    const prefix = join(tmpDir(), 'train_text_document');
    const w = new MegatronWriter(prefix, DTYPE_UINT16);
    for (let d = 0; d < 10; d++) w.add(Uint16Array.from({ length: 50 }, (_, i) => d * 50 + i));
    w.close();
    return prefix;
  }
  it('gives the same batch for the same (seed, step), targets shifted by one', () => {
    const loader = new ShardLoader(shards());
    const a = loader.batch({ step: 3, batchSize: 4, seqLen: 16, seed: 1 });
    const b = loader.batch({ step: 3, batchSize: 4, seqLen: 16, seed: 1 });
    const c = loader.batch({ step: 4, batchSize: 4, seqLen: 16, seed: 1 });
    expect(a).toEqual(b);
    expect(a.x).not.toEqual(c.x);
    for (let i = 0; i < 4 * 16; i++) expect(a.y[i]).toBe(a.x[i]! + 1); // the stream counts up
    loader.close();
  });
  it('evaluates on consecutive windows of T+1 from the start, up to max tokens', () => {
    const loader = new ShardLoader(shards());
    const windows = [...loader.evalWindows(9, 45)];
    expect(windows.map((w) => w.x[0])).toEqual([0, 10, 20, 30]);
    expect(Array.from(windows[1]!.y)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect([...loader.evalWindows(9)]).toHaveLength(50);
    loader.close();
    expect(() => checkVocab(50257, 4096, 'shards')).toThrow(
      "shards was tokenized with 50257 ids, more than the model's vocab_size 4096",
    );
  });
});
