#!/usr/bin/env python3
"""PyTorch twin of a seqlab training run, for the learning-quality check.

Trains the same model (one-hot input -> 32-wide linear projection -> LSTM or
locuslab-style TCN -> linear read-out) on the same token file, with the same
TBPTT batching (batch contiguous streams, state carried across windows), Adam,
global-norm clipping and validation procedure as seqlab's Trainer, and prints
one JSON line with the final validation loss in nats per token.

  /usr/bin/python3 bench/torch_quality.py --tokens FILE --splits '{"train":...}' \
      --model lstm --hidden 128 --steps 600 --batch 32 --seq-len 64 --lr 0.002

Get FILE and the splits from `npx seqlab --json datasets list`.
"""
import argparse, json, math, time
import numpy as np
import torch
from torch_tcn_block import TcnBlock
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--tokens", required=True)
p.add_argument("--splits", required=True)
p.add_argument("--vocab", type=int, required=True)
p.add_argument("--model", choices=["lstm", "tcn"], default="lstm")
p.add_argument("--hidden", type=int, default=128)
p.add_argument("--embed", type=int, default=32)
p.add_argument("--levels", type=int, default=4)
p.add_argument("--kernel", type=int, default=3)
p.add_argument("--dropout", type=float, default=0.0)
p.add_argument("--steps", type=int, default=600)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--seq-len", type=int, default=64)
p.add_argument("--lr", type=float, default=0.002)
p.add_argument("--clip", type=float, default=1.0)
p.add_argument("--valid-tokens", type=int, default=16384)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
torch.manual_seed(a.seed)
tokens = torch.from_numpy(np.fromfile(a.tokens, dtype="<u2").astype(np.int64))
splits = json.loads(a.splits)
V, E, H = a.vocab, a.embed, a.hidden


class Lstm(torch.nn.Module):
    recurrent = True

    def __init__(s):
        super().__init__()
        s.inp = torch.nn.Linear(V, E)
        s.rnn = torch.nn.LSTM(E, H, batch_first=True)
        s.out = torch.nn.Linear(H, V)

    def forward(s, x, state):
        y, state = s.rnn(s.inp(F.one_hot(x, V).float()), state)
        return s.out(y), state


def Block(cin, d):
    return TcnBlock(cin, H, a.kernel, d, a.dropout)


class Tcn(torch.nn.Module):
    recurrent = False

    def __init__(s):
        super().__init__()
        s.inp = torch.nn.Linear(V, E)
        s.blocks = torch.nn.ModuleList([Block(E if i == 0 else H, 2 ** i) for i in range(a.levels)])
        s.out = torch.nn.Linear(H, V)
        s.rf = 1 + 2 * (a.kernel - 1) * (2 ** a.levels - 1)

    def forward(s, x, state):
        h = s.inp(F.one_hot(x, V).float()).transpose(1, 2)
        for b in s.blocks:
            h = b(h)
        return s.out(h.transpose(1, 2)), None


model = Lstm() if a.model == "lstm" else Tcn()
opt = torch.optim.Adam(model.parameters(), a.lr)


def streams(rng, batch):
    n = (rng["end"] - rng["start"]) // batch
    return tokens[rng["start"]: rng["start"] + n * batch].view(batch, n), n


def evaluate():
    """Same procedure as core/ml/train/evaluate.ts."""
    model.eval()
    total = splits["valid"]["end"] - splits["valid"]["start"]
    T = min(a.seq_len, total - 1)
    B = max(1, min(a.batch, total // (T + 1)))
    data, n = streams(splits["valid"], B)
    windows = max(1, min((n - 1) // T, math.ceil(a.valid_tokens / (B * T))))
    ctx = 0 if model.recurrent else min(model.rf - 1, 1024)
    state, s = None, 0.0
    with torch.no_grad():
        for w in range(windows):
            cur = w * T
            c = min(ctx, cur)
            x, y = data[:, cur - c: cur + T], data[:, cur - c + 1: cur + T + 1]
            logits, state = model(x, state)
            s += F.cross_entropy(logits[:, c:].reshape(-1, V), y[:, c:].reshape(-1)).item()
    model.train()
    return s / windows


train, n = streams(splits["train"], a.batch)
cursor, state, t0 = 0, None, time.time()
for step in range(a.steps):
    if cursor + a.seq_len + 1 > n:
        cursor, state = 0, None
    x, y = train[:, cursor: cursor + a.seq_len], train[:, cursor + 1: cursor + a.seq_len + 1]
    cursor += a.seq_len
    if state is not None:
        state = tuple(t.detach() for t in state)
    logits, state = model(x, state)
    loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    if a.clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
    opt.step()
print(json.dumps({"impl": "torch-cpu", "model": a.model, "steps": a.steps, "trainLoss": round(loss.item(), 4),
                  "validLoss": round(evaluate(), 4), "seconds": round(time.time() - t0, 1), "threads": torch.get_num_threads()}))
