# An independent implementation of DESIGN §5 in PyTorch, for the parity test of moe train: loads
# config.json and model.safetensors of a checkpoint, or of a Hugging Face-style folder written by
# moe export hf (float32 or bfloat16), parsed here with json + struct, not with moe's code; then either scores the validation shards as `moe eval` does or continues a prompt
# greedily as `moe generate --temperature 0` does.
#   python3 torch_moe.py eval CHECKPOINT SHARDS_PREFIX [MAX_TOKENS]
#   python3 torch_moe.py generate CHECKPOINT N ID ID ...
import json
import math
import struct
import sys

import numpy as np
import torch

torch.set_grad_enabled(False)


# the keys of a Hugging Face DeepseekConfig (a folder written by moe export hf), as DESIGN §5 names them
HF_KEYS = {'hidden_size': 'd_model', 'num_hidden_layers': 'n_layers', 'num_attention_heads': 'n_heads', 'max_position_embeddings': 'max_seq_len',
           'rope_theta': 'rope_theta', 'rms_norm_eps': 'rms_norm_eps', 'first_k_dense_replace': 'dense_layers', 'intermediate_size': 'd_ff',
           'n_routed_experts': 'n_routed_experts', 'n_shared_experts': 'n_shared_experts', 'num_experts_per_tok': 'top_k',
           'moe_intermediate_size': 'd_expert', 'scoring_func': 'router', 'norm_topk_prob': 'norm_topk_prob',
           'routed_scaling_factor': 'route_scale', 'tie_word_embeddings': 'tie_embeddings', 'vocab_size': 'vocab_size'}


def load(ck):
    cfg = json.load(open(ck + '/config.json'))
    if 'DeepseekForCausalLM' in cfg.get('architectures', []):
        cfg = {ours: cfg[theirs] for theirs, ours in HF_KEYS.items()}
    data = open(ck + '/model.safetensors', 'rb').read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    w = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        s, t = e['data_offsets']
        raw = data[8 + n + s:8 + n + t]
        if e['dtype'] == 'BF16':
            # bfloat16 is the high half of a float32
            x = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            w[name] = torch.from_numpy(x.view(np.float32).reshape(e['shape']).copy())
        else:
            w[name] = torch.from_numpy(np.frombuffer(raw, dtype=np.float32).reshape(e['shape']).copy())
    return cfg, w


def rms(x, g, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g


def swiglu(x, gate, up, down):
    return (torch.nn.functional.silu(x @ gate.T) * (x @ up.T)) @ down.T


def rope(x, theta):
    # x [H, T, hd], rotate-half pairs (i, i + hd/2)
    T, hd = x.shape[1], x.shape[2]
    inv = theta ** (-torch.arange(0, hd // 2, dtype=torch.float64) * 2 / hd)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([ang.cos(), ang.cos()], -1).float()
    sin = torch.cat([ang.sin(), ang.sin()], -1).float()
    x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def forward(cfg, w, ids):
    T, D, H = len(ids), cfg['d_model'], cfg['n_heads']
    hd = D // H
    h = w['model.embed_tokens.weight'][torch.tensor(ids)]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for i in range(cfg['n_layers']):
        p = 'model.layers.%d.' % i
        a = rms(h, w[p + 'input_layernorm.weight'], cfg['rms_norm_eps'])
        q, k, v = [(a @ w[p + 'self_attn.%s_proj.weight' % m].T).view(T, H, hd).transpose(0, 1) for m in 'qkv']
        q, k = rope(q, cfg['rope_theta']), rope(k, cfg['rope_theta'])
        s = (q @ k.transpose(1, 2)) / math.sqrt(hd)
        s = s.masked_fill(mask, float('-inf'))
        o = (s.softmax(-1) @ v).transpose(0, 1).reshape(T, D)
        h = h + o @ w[p + 'self_attn.o_proj.weight'].T
        f = rms(h, w[p + 'post_attention_layernorm.weight'], cfg['rms_norm_eps'])
        if i < cfg['dense_layers']:
            h = h + swiglu(f, w[p + 'mlp.gate_proj.weight'], w[p + 'mlp.up_proj.weight'], w[p + 'mlp.down_proj.weight'])
            continue
        logits = f @ w[p + 'mlp.gate.weight'].T
        scores = logits.softmax(-1) if cfg['router'] == 'softmax' else logits.sigmoid()
        chosen = (scores + w[p + 'mlp.gate.e_score_correction_bias']).topk(cfg['top_k'], -1).indices
        weights = scores.gather(-1, chosen)
        if cfg['norm_topk_prob']:
            weights = weights / weights.sum(-1, keepdim=True)
        weights = weights * cfg['route_scale']
        y = torch.zeros_like(f)
        for e in range(cfg['n_routed_experts']):
            rows, slots = (chosen == e).nonzero(as_tuple=True)
            if len(rows) == 0:
                continue
            ep = p + 'mlp.experts.%d.' % e
            y[rows] += weights[rows, slots][:, None] * swiglu(f[rows], w[ep + 'gate_proj.weight'], w[ep + 'up_proj.weight'], w[ep + 'down_proj.weight'])
        if cfg['n_shared_experts'] > 0:
            sp = p + 'mlp.shared_experts.'
            y = y + swiglu(f, w[sp + 'gate_proj.weight'], w[sp + 'up_proj.weight'], w[sp + 'down_proj.weight'])
        h = h + y
    h = rms(h, w['model.norm.weight'], cfg['rms_norm_eps'])
    head = w['model.embed_tokens.weight'] if cfg['tie_embeddings'] else w['lm_head.weight']
    return h @ head.T


def read_tokens(prefix):
    idx = open(prefix + '.idx', 'rb').read()
    code = idx[17]
    dtype = np.uint16 if code == 8 else np.int32
    return np.fromfile(prefix + '.bin', dtype=dtype).astype(np.int64)


mode, ck = sys.argv[1], sys.argv[2]
cfg, w = load(ck)
if mode == 'eval':
    tokens = read_tokens(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else len(tokens)
    T = cfg['max_seq_len']
    total, count, start = 0.0, 0, 0
    while start + T + 1 <= min(len(tokens), limit):
        win = tokens[start:start + T + 1].tolist()
        logits = forward(cfg, w, win[:-1])
        total += torch.nn.functional.cross_entropy(logits.double(), torch.tensor(win[1:]), reduction='sum').item()
        count += T
        start += T + 1
    print(json.dumps({'loss': total / count, 'tokens': count}))
else:
    n = int(sys.argv[3])
    ids = [int(x) for x in sys.argv[4:]]
    out = []
    for _ in range(n):
        ctx = (ids + out)[-cfg['max_seq_len']:]
        out.append(int(forward(cfg, w, ctx)[-1].argmax()))
    print(json.dumps({'ids': out}))
