"""The PyTorch replica trained from the lab's own start: the lab's initial weights, training set, batch
order and validation set (dumped by bench/dump-tcn-adding.ts), so that only the training arithmetic differs.

    npx tsx bench/dump-tcn-adding.ts 1 /tmp/tcn-s1
    /usr/bin/python3 bench/torch_tcn_adding_twin.py /tmp/tcn-s1 6000 [labeps] [torchinit] [fresh]

labeps     the lab's Adam (eps added to sqrt(v) before the bias correction); with it, steps 1-3 print the
           lab's own training losses and gradient norms (seqlab's metrics of the same run) to 6 digits
fresh      fresh batches drawn as bench/torch_tcn_adding.py draws them (generator seed 1) instead of the lab's
torchinit  the replica's own initial weights (bench/torch_tcn_adding.py effective 6000 1 proj readout
           anywhere embed32, draw for draw) instead of the lab's
Prints the validation MSE on the lab's 1,000 validation sequences every 100 steps, and the first step below 0.01."""
import json, sys, time
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils import weight_norm

torch.set_num_threads(1)
d, steps = sys.argv[1], int(sys.argv[2])
fresh = "fresh" in sys.argv[3:]
torchinit = "torchinit" in sys.argv[3:]
labeps = "labeps" in sys.argv[3:]  # the lab's Adam: eps added to sqrt(v) before bias correction (eps-hat of Kingma & Ba sec. 2)
T, H, K, LEVELS, E = 200, 24, 8, 4, 32
rd = lambda name, shape, dt=np.float32: torch.from_numpy(np.fromfile(f"{d}/{name}", dtype=dt).reshape(shape).copy())


class Chomp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x):
        return x[:, :, : -self.c].contiguous()


class Block(nn.Module):
    def __init__(self, ni, no, k, dil):
        super().__init__()
        p = (k - 1) * dil
        self.c1, self.c2 = weight_norm(nn.Conv1d(ni, no, k, padding=p, dilation=dil)), weight_norm(nn.Conv1d(no, no, k, padding=p, dilation=dil))
        self.net = nn.Sequential(self.c1, Chomp(p), nn.ReLU(), self.c2, Chomp(p), nn.ReLU())
        self.down = nn.Conv1d(ni, no, 1) if ni != no else None
        if torchinit and self.down is not None:  # as bench/torch_tcn_adding.py, at the same point of its draws
            self.down.weight.data.normal_(0, 0.01)

    def forward(self, x):
        return torch.relu(self.net(x) + (x if self.down is None else self.down(x)))


class TCN(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Conv1d(2, E, 1)
        if torchinit:  # as bench/torch_tcn_adding.py, at the same point of its draws
            b = 1 / 2**0.5
            self.proj.weight.data.uniform_(-b, b)
            self.proj.bias.data.uniform_(-b, b)
        self.blocks = nn.Sequential(*[Block(E if i == 0 else H, H, K, 2**i) for i in range(LEVELS)])
        self.lin = nn.Linear(H, 1)

    def forward(self, x):  # x [B, 2, T]
        return self.lin(self.blocks(self.proj(x))[:, :, -1])


man = json.load(open(f"{d}/weights.json"))
W = {n: rd("w_" + n.replace("/", ".") + ".f32", s) for n, s in man.items()}
torch.manual_seed(1)
m = TCN()


def load_lab_weights():
    """The lab's initial weights into m (the lab's layouts: kernels [rows, cols], conv v [k·cin, cout])."""
    m.proj.weight.copy_(W["input/kernel"].t().unsqueeze(2))  # [2, 32] -> [32, 2, 1]
    m.proj.bias.copy_(W["input/bias"])
    for l, blk in enumerate(m.blocks):
        for c, conv in enumerate([blk.c1, blk.c2]):
            cin = E if l == 0 and c == 0 else H
            v = W[f"block{l}/conv{c}/v"].reshape(K, cin, H)  # row j*cin + c: tap j (oldest first), input c
            conv.weight_v.copy_(v.permute(2, 1, 0))  # [out, in, k]; PyTorch's tap j after the chomp is x[t - (k-1-j)d] too
            conv.weight_g.copy_(W[f"block{l}/conv{c}/g"].reshape(H, 1, 1))
            conv.bias.copy_(W[f"block{l}/conv{c}/bias"])
        if blk.down is not None:
            blk.down.weight.copy_(W[f"block{l}/downsample/kernel"].t().unsqueeze(2))
            blk.down.bias.copy_(W[f"block{l}/downsample/bias"])
    m.lin.weight.copy_(W["output/kernel"].t())
    m.lin.bias.copy_(W["output/bias"])


if not torchinit:  # else bench/torch_tcn_adding.py's own start at seed 1 (effective proj readout embed32), draw for draw
    with torch.no_grad():
        load_lab_weights()
print("parameters", sum(p.numel() for p in m.parameters()), flush=True)
tx = rd("train_x.f32", (50000, T, 2)).permute(0, 2, 1).contiguous()
ty = rd("train_y.f32", (50000, 1))
vx = rd("valid_x.f32", (1000, T, 2)).permute(0, 2, 1).contiguous()
vy = rd("valid_y.f32", (1000, 1))
order = rd("order.u32", (-1, 32), np.int32).long()
g = torch.Generator().manual_seed(1)


def fresh_batch():
    values, marks, y = torch.rand(32, 1, T, generator=g), torch.zeros(32, 1, T), torch.zeros(32, 1)
    for i in range(32):
        a, b = torch.randperm(T, generator=g)[:2].tolist()
        marks[i, 0, a] = marks[i, 0, b] = 1
        y[i, 0] = values[i, 0, a] + values[i, 0, b]
    return torch.cat([values, marks], 1), y


with torch.no_grad():
    print("step 0 valid", ((m(vx) - vy) ** 2).mean().item(), flush=True)
opt = torch.optim.Adam(m.parameters(), lr=2e-3)
t0, solved = time.time(), None
for step in range(1, steps + 1):
    if fresh:
        x, y = fresh_batch()
    else:
        x, y = tx[order[step - 1]], ty[order[step - 1]]
    if labeps:  # PyTorch's m̂/(√v̂ + ε') with ε' = ε/√(1−β2ᵗ) is exactly the lab's stepSize·m/(√v + ε)
        opt.param_groups[0]["eps"] = 1e-8 / (1 - 0.999**step) ** 0.5
    opt.zero_grad()
    loss = ((m(x) - y) ** 2).mean()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt.step()
    if step <= 3 or step % 100 == 0:
        with torch.no_grad():
            vl = ((m(vx) - vy) ** 2).mean().item()
        print(f"step {step} train {loss.item():.6g} norm {norm.item():.6g} valid {vl:.6g} t {time.time() - t0:.0f}s", flush=True)
        if vl < 0.01 and solved is None:
            solved = step
print("twin", "torch init" if torchinit else "lab init", "fresh" if fresh else "lab batches", "labeps" if labeps else "torch adam", d, "solved at", solved)
