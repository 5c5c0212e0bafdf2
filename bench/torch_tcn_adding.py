"""A PyTorch replica of locuslab/TCN on the adding problem at the adding-200 preset's settings.

T = 200, kernel 8, 4 levels (receptive field 211), 24 channels, two convolutions per
block with weight norm, Adam at 2e-3, gradient clipping at 1.0, batch 32, one thread.
It answers one question: how many steps does the paper's own code need here, and
what in the lab's model changes that (docs/benchmarks.md, "Memory tasks and stability").

    /usr/bin/python3 bench/torch_tcn_adding.py INIT STEPS SEED [proj] [readout] [anywhere] [embed32] [epochs] [labeps]

INIT  effective: the conv init locuslab/TCN really trains from (PyTorch's default; its
                 normal_(0, 0.01) is overwritten by weight_norm's hook, locuslab/TCN issue #1)
      small:     the N(0, 0.01) start the code appears to ask for
proj      a learned 2 -> 24 input projection before the blocks, as the lab's models have
readout   PyTorch's default Linear init for the read-out (the lab's), not locuslab's N(0, 0.01)
anywhere  the two marks anywhere (the lab's data), not one in each half (locuslab's)
embed32   (with proj) the projection 2 -> 32, the lab's default embed width: block 0 then has a 1x1
          downsample 32 -> 24 at N(0, 0.01), as the lab's model (39,697 parameters; 37,345 without)
epochs    a fixed training set of 50,000 sequences in a fresh order each epoch, the tail batch
          skipped (the lab's EpisodeStream and locuslab's N_train), not a fresh batch every step
labeps    the lab's Adam (core/ml/train/optimizer.ts): eps added to sqrt(v) before the bias correction,
          i.e. PyTorch's eps divided by sqrt(1 - beta2^t) (Kingma & Ba's eps-hat), not PyTorch's placement

Prints the validation MSE (1,000 sequences) every 100 steps and the first step below 0.01.
"""
import sys
import time

import torch
import torch.nn as nn
from torch.nn.utils import weight_norm

torch.set_num_threads(1)
init, steps, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
flags = set(sys.argv[4:])
torch.manual_seed(seed)
T, H, K, LEVELS = 200, 24, 8, 4


class Chomp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x):
        return x[:, :, : -self.c].contiguous()


class Block(nn.Module):
    def __init__(self, ni, no, k, d):
        super().__init__()
        p = (k - 1) * d
        c1, c2 = nn.Conv1d(ni, no, k, padding=p, dilation=d), nn.Conv1d(no, no, k, padding=p, dilation=d)
        if init == "small":  # before weight_norm, so it takes effect
            c1.weight.data.normal_(0, 0.01)
            c2.weight.data.normal_(0, 0.01)
        self.net = nn.Sequential(weight_norm(c1), Chomp(p), nn.ReLU(), weight_norm(c2), Chomp(p), nn.ReLU())
        self.down = nn.Conv1d(ni, no, 1) if ni != no else None
        if self.down is not None:
            self.down.weight.data.normal_(0, 0.01)

    def forward(self, x):
        return torch.relu(self.net(x) + (x if self.down is None else self.down(x)))


class TCN(nn.Module):
    def __init__(self):
        super().__init__()
        embed = 32 if "embed32" in flags else H
        self.proj = nn.Conv1d(2, embed, 1) if "proj" in flags else None
        if self.proj is not None:  # the lab's input projection: uniform ±1/√(inputs)
            b = 1 / 2**0.5
            self.proj.weight.data.uniform_(-b, b)
            self.proj.bias.data.uniform_(-b, b)
        first = embed if self.proj is not None else 2
        self.blocks = nn.Sequential(*[Block(first if i == 0 else H, H, K, 2**i) for i in range(LEVELS)])
        self.lin = nn.Linear(H, 1)
        if "readout" not in flags:
            self.lin.weight.data.normal_(0, 0.01)

    def forward(self, x):
        if self.proj is not None:
            x = self.proj(x)
        return self.lin(self.blocks(x)[:, :, -1])


def data(n, g):
    values, marks, y = torch.rand(n, 1, T, generator=g), torch.zeros(n, 1, T), torch.zeros(n, 1)
    for i in range(n):
        if "anywhere" in flags:
            a, b = torch.randperm(T, generator=g)[:2].tolist()
        else:
            a = torch.randperm(T // 2, generator=g)[0].item()
            b = torch.randperm(T // 2, generator=g)[0].item() + T // 2
        marks[i, 0, a] = marks[i, 0, b] = 1
        y[i, 0] = values[i, 0, a] + values[i, 0, b]
    return torch.cat([values, marks], 1), y


g = torch.Generator().manual_seed(seed)
xv, yv = data(1000, g)
N_TRAIN = 50_000
xt, yt = data(N_TRAIN, g) if "epochs" in flags else (None, None)
order, cursor = None, N_TRAIN


def batch():
    """The next 32 training sequences: fresh ones, or the fixed set's next in this epoch's order."""
    global order, cursor
    if xt is None:
        return data(32, g)
    if cursor + 32 > N_TRAIN:
        order, cursor = torch.randperm(N_TRAIN, generator=g), 0
    idx = order[cursor : cursor + 32]
    cursor += 32
    return xt[idx], yt[idx]


model = TCN()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
print("parameters", sum(p.numel() for p in model.parameters()), flush=True)
t0, solved = time.time(), None
for step in range(1, steps + 1):
    x, y = batch()
    if "labeps" in flags:  # PyTorch's m̂/(√v̂ + ε') with ε' = ε/√(1−β2ᵗ) is the lab's stepSize·m/(√v + ε)
        opt.param_groups[0]["eps"] = 1e-8 / (1 - 0.999**step) ** 0.5
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % 100 == 0:
        with torch.no_grad():
            vl = ((model(xv) - yv) ** 2).mean().item()
        print(f"{init} step {step} valid {vl:.4g} t {time.time() - t0:.0f}s", flush=True)
        if vl < 0.01 and solved is None:
            solved = step
print(init, " ".join(sorted(flags)), "seed", seed, "solved at", solved)
