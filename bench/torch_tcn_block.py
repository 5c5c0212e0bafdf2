"""locuslab/TCN TemporalBlock, shared by the PyTorch twins (torch_quality.py,
torch_music.py): [causal dilated conv -> ReLU -> dropout] x 2 with weight
norm, residual (1x1 projection when widths differ). Initialised as
core/ml/models/tcn-model.ts and as locuslab/TCN really runs: PyTorch's default
conv init with g = |v| (locuslab's normal_(0, 0.01) on a weight-normed conv is
overwritten by weight_norm's hook, locuslab/TCN issue #1); the 1x1 downsample,
which has no weight norm, N(0, 0.01)."""
import torch
import torch.nn.functional as F


class TcnBlock(torch.nn.Module):
    def __init__(s, cin, hidden, kernel, dilation, dropout):
        super().__init__()
        wn = torch.nn.utils.weight_norm
        s.c1 = wn(torch.nn.Conv1d(cin, hidden, kernel, dilation=dilation))
        s.c2 = wn(torch.nn.Conv1d(hidden, hidden, kernel, dilation=dilation))
        s.down = torch.nn.Conv1d(cin, hidden, 1) if cin != hidden else None
        if s.down is not None:
            s.down.weight.data.normal_(0, 0.01)
        s.pad = (kernel - 1) * dilation
        s.dropout = dropout

    def forward(s, x):
        h = F.dropout(torch.relu(s.c1(F.pad(x, (s.pad, 0)))), s.dropout, s.training)
        h = F.dropout(torch.relu(s.c2(F.pad(h, (s.pad, 0)))), s.dropout, s.training)
        return torch.relu(h + (x if s.down is None else s.down(x)))
