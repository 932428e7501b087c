# Peer for `npm run bench`: the DESIGN §5 model trained with PyTorch on CPU (AdamW, the usual eager
# MoE: a loop over experts with index_add), on random tokens; prints tokens/s of the last steps.
#   python3 scripts/torch-moe-train.py CONFIG_JSON STEPS BATCH
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

cfg = json.loads(sys.argv[1])
steps, B = int(sys.argv[2]), int(sys.argv[3])
torch.manual_seed(0)
D, H, T, V = cfg['d_model'], cfg['n_heads'], cfg['max_seq_len'], cfg['vocab_size']
hd = D // H


class SwiGLU(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.gate, self.up, self.down = nn.Linear(d, f, bias=False), nn.Linear(d, f, bias=False), nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, moe):
        super().__init__()
        self.n1, self.n2 = nn.RMSNorm(D) if hasattr(nn, 'RMSNorm') else nn.LayerNorm(D), nn.RMSNorm(D) if hasattr(nn, 'RMSNorm') else nn.LayerNorm(D)
        self.qkv, self.o = nn.Linear(D, 3 * D, bias=False), nn.Linear(D, D, bias=False)
        self.moe = moe
        if moe:
            E = cfg['n_routed_experts']
            self.router = nn.Linear(D, E, bias=False)
            self.experts = nn.ModuleList([SwiGLU(D, cfg['d_expert']) for _ in range(E)])
            self.shared = SwiGLU(D, cfg['n_shared_experts'] * cfg['d_expert'])
        else:
            self.ffn = SwiGLU(D, cfg['d_ff'])

    def forward(self, x):
        b = x.shape[0]
        q, k, v = self.qkv(self.n1(x)).view(b, T, 3, H, hd).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, 'scaled_dot_product_attention') else (q @ k.transpose(-1, -2) / math.sqrt(hd)).masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float('-inf')).softmax(-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, T, D))
        f = self.n2(x).reshape(-1, D)
        if not self.moe:
            return x + self.ffn(f).view(b, T, D)
        scores = self.router(f).softmax(-1)
        w, idx = scores.topk(cfg['top_k'], -1)
        w = w / w.sum(-1, keepdim=True)
        y = self.shared(f)
        for e, expert in enumerate(self.experts):
            rows, slot = (idx == e).nonzero(as_tuple=True)
            if len(rows):
                y = y.index_add(0, rows, w[rows, slot][:, None] * expert(f[rows]))
        return x + y.view(b, T, D)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, D)
        self.blocks = nn.ModuleList([Block(i >= cfg['dense_layers']) for i in range(cfg['n_layers'])])
        self.head = nn.Linear(D, V, bias=False)

    def forward(self, ids):
        x = self.emb(ids)
        for blk in self.blocks:
            x = blk(x)
        return self.head(x)


model = Model()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
times = []
for s in range(steps):
    ids = torch.randint(0, V, (B, T + 1))
    t0 = time.time()
    loss = F.cross_entropy(model(ids[:, :-1]).reshape(-1, V), ids[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    times.append(time.time() - t0)
warm = times[3:] or times
print(json.dumps({'tokens_per_s': B * T * len(warm) / sum(warm), 'torch': torch.__version__, 'threads': torch.get_num_threads()}))
