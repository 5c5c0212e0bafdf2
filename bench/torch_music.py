#!/usr/bin/env python3
"""PyTorch twin of a seqlab polyphonic-music run, for the learning-quality check.

Trains the same model as core/ml/models (88-wide piano-roll frames -> linear
input projection x.W+b of width --embed -> LSTM layers or locuslab-style TCN
blocks -> linear read-out to 88 sigmoid outputs) with the same batching as
core/ml/tasks/music-task.ts (whole sequences per batch, padded to the longest
with a mask; inputs frames 0..L-2, targets frames 1..L-1; a new permutation of
the training sequences every epoch, incomplete tail skipped), the same loss
(negative log-likelihood per time step = binary cross-entropy summed over the
88 pitches, masked mean over real steps), Adam and global-norm clipping, and
prints one JSON line with the final validation NLL per step (and, as a check on
MusicTask.baselineLoss, the constant per-pitch Bernoulli baseline).

  /usr/bin/python3 bench/torch_music.py --model tcn --hidden 150 --levels 4 \
      --kernel 5 --steps 2000 --batch 8 --lr 0.002

The shuffling order differs from seqlab's (numpy, not sfc32): compare final
losses, not batch-by-batch curves. Published JSB NLL (Bai et al. 2018): TCN
8.10, LSTM 8.45.
"""
import argparse, json, os, time
import numpy as np
import torch
from torch_tcn_block import TcnBlock
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
p = argparse.ArgumentParser()
p.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "jsb-chorales.json"))
p.add_argument("--model", choices=["lstm", "tcn"], default="lstm")
p.add_argument("--hidden", type=int, default=128)
p.add_argument("--embed", type=int, default=32)
p.add_argument("--layers", type=int, default=1, help="lstm layers")
p.add_argument("--levels", type=int, default=4, help="tcn blocks, dilation 2^i")
p.add_argument("--kernel", type=int, default=3, help="tcn kernel size")
p.add_argument("--dropout", type=float, default=0.0)
p.add_argument("--steps", type=int, default=500)
p.add_argument("--batch", type=int, default=8, help="sequences per batch")
p.add_argument("--lr", type=float, default=0.002)
p.add_argument("--clip", type=float, default=1.0, help="global-norm bound, 0 = off")
p.add_argument("--valid-steps", type=int, default=16384, help="stop validation after about this many scored steps")
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
torch.manual_seed(a.seed)

with open(a.data) as f:
    raw = json.load(f)
P = raw["numPitches"]


def roll(seq):
    """A sequence of active-pitch lists -> float tensor [L, P]."""
    x = torch.zeros(len(seq), P)
    for t, step in enumerate(seq):
        x[t, step] = 1.0
    return x


data = {k: [roll(s) for s in raw[k]] for k in ("train", "valid", "test")}
E, H = a.embed, a.hidden


class Lstm(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.inp = torch.nn.Linear(P, E)
        s.rnn = torch.nn.LSTM(E, H, a.layers, batch_first=True, dropout=a.dropout if a.layers > 1 else 0.0)
        s.out = torch.nn.Linear(H, P)

    def forward(s, x):
        y, _ = s.rnn(s.inp(x))
        return s.out(F.dropout(y, a.dropout, s.training))


def Block(cin, d):
    return TcnBlock(cin, H, a.kernel, d, a.dropout)


class Tcn(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.inp = torch.nn.Linear(P, E)
        s.blocks = torch.nn.ModuleList([Block(E if i == 0 else H, 2 ** i) for i in range(a.levels)])
        s.out = torch.nn.Linear(H, P)

    def forward(s, x):
        h = s.inp(x).transpose(1, 2)
        for b in s.blocks:
            h = b(h)
        return s.out(h.transpose(1, 2))


def batch(seqs):
    """Whole sequences padded to the longest: inputs, targets [B, T, P] and mask [B, T]."""
    T = max(len(s) for s in seqs) - 1
    x, y, m = torch.zeros(len(seqs), T, P), torch.zeros(len(seqs), T, P), torch.zeros(len(seqs), T)
    for b, s in enumerate(seqs):
        n = len(s) - 1
        x[b, :n], y[b, :n], m[b, :n] = s[:-1], s[1:], 1.0
    return x, y, m


def nll_sum(logits, y, m):
    """Sum over real steps of the per-step NLL (BCE summed over pitches)."""
    per_step = F.binary_cross_entropy_with_logits(logits, y, reduction="none").sum(-1)
    return (per_step * m).sum()


def evaluate(split):
    """As core/ml/train/evaluate.ts: batches of --batch sequences in order, total NLL / scored steps."""
    model.eval()
    total, scored = 0.0, 0
    with torch.no_grad():
        seqs = data[split]
        for i in range(0, len(seqs), a.batch):
            if scored >= a.valid_steps and scored > 0:
                break
            x, y, m = batch(seqs[i: i + a.batch])
            total += nll_sum(model(x), y, m).item()
            scored += int(m.sum().item())
    model.train()
    return total / scored


def baseline():
    """NLL per step on valid of per-pitch Bernoullis with train frequencies (count + 1/2) / (n + 1)."""
    tr = torch.cat([s[1:] for s in data["train"]])
    prob = (tr.sum(0).double() + 0.5) / (tr.shape[0] + 1)
    va = torch.cat([s[1:] for s in data["valid"]]).double()
    return float(-(va * prob.log() + (1 - va) * (1 - prob).log()).sum() / va.shape[0])


model = Lstm() if a.model == "lstm" else Tcn()
opt = torch.optim.Adam(model.parameters(), a.lr)
train = data["train"]
B = min(a.batch, len(train))
per_epoch = len(train) // B
order, t0, loss = None, time.time(), None
for step in range(a.steps):
    epoch, cursor = divmod(step, per_epoch)
    if cursor == 0:
        order = np.random.RandomState(a.seed * 100003 + epoch).permutation(len(train))
    x, y, m = batch([train[i] for i in order[cursor * B: (cursor + 1) * B]])
    loss = nll_sum(model(x), y, m) / m.sum().clamp(min=1)
    opt.zero_grad()
    loss.backward()
    if a.clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
    opt.step()
print(json.dumps({
    "impl": "torch-cpu", "data": os.path.basename(a.data), "model": a.model, "hidden": H, "embed": E,
    "levels": a.levels if a.model == "tcn" else None, "kernel": a.kernel if a.model == "tcn" else None,
    "layers": a.layers if a.model == "lstm" else None, "steps": a.steps, "batch": B, "lr": a.lr, "seed": a.seed,
    "parameters": sum(t.numel() for t in model.parameters()),
    "trainNll": round(loss.item(), 4), "validNll": round(evaluate("valid"), 4), "baselineNll": round(baseline(), 4),
    "seconds": round(time.time() - t0, 1), "threads": torch.get_num_threads()}))
