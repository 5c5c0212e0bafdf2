"""Rebuilds a Sequence Lab model as a torch.nn.Module from this folder's
model.safetensors and seqlab.json, using only torch, json and struct.

    python3 load_torch.py INPUT.json

INPUT.json holds token ids [batch][time] (models that read tokens) or
feature vectors [batch][time][features] (music, synthetic tasks). The script
prints one JSON array [batch][time][outputs]: probabilities for categorical
tasks (softmax) and Bernoulli tasks (a sigmoid per unit), values for
regression; the same quantity as the ONNX export's first output.

In your own code:

    from load_torch import load
    model = load("path/to/this/folder")      # a torch.nn.Module, eval mode
    logits = model(x)                        # [batch, time, outputs], before the activation
    outputs = model.outputs(x)               # after it

Every kind the lab trains is rebuilt here from the lab's own parameters,
reassembled from the safetensors tensors by the `source` each layout entry
names in seqlab.json: rnn, lstm (gate order i, f, c, o), gru (PyTorch's
variant, reset gate after the recurrent product), the k-truncated recurrent
model, tcn, gcnn and wavenet. Dropout is off (inference).
"""

import json
import struct
import sys

import torch

_F32 = 4


def read_safetensors(path):
    """Parses a safetensors file of F32 tensors: name -> tensor, and __metadata__."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + header_len :]
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        count = (end - start) // _F32
        values = struct.unpack(f"<{count}f", body[start:end])
        tensors[name] = torch.tensor(values, dtype=torch.float32).reshape(entry["shape"])
    return tensors, metadata


def lab_parameters(tensors, layout):
    """The lab's parameters by their own names ("lstm0/kernel"), whole again: gate slices are concatenated by column."""
    parts = {}
    for entry in layout:
        source = entry["source"]
        columns = source["columns"]
        parts.setdefault(source["param"], []).append((columns[0] if columns else 0, tensors[entry["name"]]))
    return {name: torch.cat([t for _, t in sorted(pieces, key=lambda p: p[0])], dim=-1) for name, pieces in parts.items()}


class SeqlabModel(torch.nn.Module):
    """The lab's model: input projection, the kind's body, linear read-out."""

    def __init__(self, config, params, output_kind):
        super().__init__()
        self.config = config
        self.output_kind = output_kind
        self.names = sorted(params)
        for name in self.names:
            self.register_parameter(name.replace("/", "__"), torch.nn.Parameter(params[name], requires_grad=False))

    def p(self, name):
        return getattr(self, name.replace("/", "__"))

    def has(self, name):
        return name in self.names

    def kernel(self, name):
        """A convolution kernel [k*Cin, Cout], weight norm g*v/||v|| folded (norm per output column)."""
        if self.has(name + "/kernel"):
            return self.p(name + "/kernel")
        v = self.p(name + "/v")
        return v * (self.p(name + "/g") / v.norm(dim=0))

    # --- pieces -----------------------------------------------------------

    def project(self, x):
        """Token ids [B, T] -> one-hot . W + b; features [B, T, F] -> x . W + b. Returns [B, T, E]."""
        if self.config.get("inputFeatures", 0) > 0:
            return x @ self.p("input/kernel") + self.p("input/bias")
        return self.p("input/kernel")[x] + self.p("input/bias")

    def dense(self, x, name):
        return x @ self.p(name + "/kernel") + self.p(name + "/bias")

    @staticmethod
    def causal_conv(x, kernel, bias, k, d):
        """y[t] = bias + sum_j x[t - (k-1-j)*d] . kernel[j*Cin:(j+1)*Cin], zeros before t = 0. x [B, T, Cin]."""
        batch, time, cin = x.shape
        padded = torch.cat([x.new_zeros(batch, (k - 1) * d, cin), x], dim=1)
        y = bias
        for j in range(k):
            y = y + padded[:, j * d : j * d + time] @ kernel[j * cin : (j + 1) * cin]
        return y

    def recur(self, kind, layers, x):
        """Stacked rnn / lstm / gru over x [B, T, E] from a zero state; returns hidden states [B, T, H]."""
        batch = x.shape[0]
        for l in range(layers):
            kern = self.p(f"{kind}{l}/kernel")
            rec = self.p(f"{kind}{l}/recurrent_kernel")
            bias = self.p(f"{kind}{l}/bias")
            hidden = rec.shape[0]
            h = x.new_zeros(batch, hidden)
            c = x.new_zeros(batch, hidden)
            xs = x @ kern
            out = []
            for t in range(x.shape[1]):
                if kind == "rnn":
                    h = torch.tanh(xs[:, t] + h @ rec + bias)
                elif kind == "lstm":
                    i, f, g, o = (xs[:, t] + h @ rec + bias).chunk(4, dim=-1)
                    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                    h = torch.sigmoid(o) * torch.tanh(c)
                else:  # gru, PyTorch's variant: bias [2, 3H] = [input bias; recurrent bias]
                    az, ar, an = (xs[:, t] + bias[0]).chunk(3, dim=-1)
                    rz, rr, rn = (h @ rec + bias[1]).chunk(3, dim=-1)
                    z = torch.sigmoid(az + rz)
                    r = torch.sigmoid(ar + rr)
                    n = torch.tanh(an + r * rn)
                    h = (1 - z) * n + z * h
                out.append(h)
            x = torch.stack(out, dim=1)
        return x

    # --- bodies -----------------------------------------------------------

    def tcn(self, x):
        cfg = self.config
        for l in range(cfg["levels"]):
            h = x
            for c in range(cfg["convsPerBlock"]):
                name = f"block{l}/conv{c}"
                h = torch.relu(self.causal_conv(h, self.kernel(name), self.p(name + "/bias"), cfg["kernelSize"], 2**l))
            if cfg["residual"]:
                skip = self.dense(x, f"block{l}/downsample") if self.has(f"block{l}/downsample/kernel") else x
                h = torch.relu(h + skip)
            x = h
        return x

    def gcnn(self, x):
        cfg = self.config
        for l in range(cfg["levels"]):
            d = 2**l if cfg["dilated"] else 1
            h = x
            for c in range(cfg["convsPerBlock"]):
                name = f"block{l}/conv{c}"
                linear = self.causal_conv(h, self.kernel(name + "/linear"), self.p(name + "/linear/bias"), cfg["kernelSize"], d)
                gate = self.causal_conv(h, self.kernel(name + "/gate"), self.p(name + "/gate/bias"), cfg["kernelSize"], d)
                h = linear * torch.sigmoid(gate)
            skip = self.dense(x, f"block{l}/projection") if self.has(f"block{l}/projection/kernel") else x
            x = h + skip
        return x

    def wavenet(self, x):
        cfg = self.config
        x = self.causal_conv(x, self.p("causal/kernel"), self.p("causal/bias"), 2, 1)
        total = cfg["stacks"] * cfg["layersPerStack"]
        skip_sum = 0
        for i in range(total):
            name = f"layer{i}"
            d = 2 ** (i % cfg["layersPerStack"])
            f = self.causal_conv(x, self.p(name + "/filter/kernel"), self.p(name + "/filter/bias"), cfg["kernelSize"], d)
            g = self.causal_conv(x, self.p(name + "/gate/kernel"), self.p(name + "/gate/bias"), cfg["kernelSize"], d)
            z = torch.tanh(f) * torch.sigmoid(g)
            skip_sum = skip_sum + self.dense(z, name + "/skip")
            if i < total - 1:
                x = x + self.dense(z, name + "/residual")
        return torch.relu(self.dense(torch.relu(skip_sum), "output/hidden"))

    def truncated(self, x):
        """Output t: the base recurrence restarted from zero over inputs t-k+1 .. t (fewer at the start)."""
        base, k = self.config["base"], self.config["k"]
        outs = []
        for t in range(x.shape[1]):
            window = x[:, max(0, t - k + 1) : t + 1]
            outs.append(self.recur(base["kind"], base["layers"], window)[:, -1])
        return torch.stack(outs, dim=1)

    # --- the model --------------------------------------------------------

    def forward(self, x):
        """Logits [B, T, outputs] (before softmax / sigmoid)."""
        kind = self.config["kind"]
        e = self.project(x)
        if kind in ("rnn", "lstm", "gru"):
            h = self.recur(kind, self.config["layers"], e)
        elif kind == "truncated":
            h = self.truncated(e)
        elif kind in ("tcn", "gcnn", "wavenet"):
            h = getattr(self, kind)(e)
        else:
            raise ValueError(f"unknown model kind {kind}")
        return self.dense(h, "output")

    def outputs(self, x):
        """What the lab computes: probabilities (categorical, bernoulli) or values (regression)."""
        logits = self.forward(x)
        if self.output_kind == "categorical":
            return torch.softmax(logits, dim=-1)
        if self.output_kind == "bernoulli":
            return torch.sigmoid(logits)
        return logits

    def as_input(self, array):
        """A JSON array as the model's input tensor."""
        if self.config.get("inputFeatures", 0) > 0:
            return torch.tensor(array, dtype=torch.float32)
        return torch.tensor(array, dtype=torch.long)


def load(folder="."):
    """The model of an export folder, in eval mode."""
    with open(f"{folder}/seqlab.json", encoding="utf-8") as f:
        sidecar = json.load(f)
    tensors, metadata = read_safetensors(f"{folder}/{sidecar['weights']['file']}")
    params = lab_parameters(tensors, sidecar["weights"]["tensors"])
    output_kind = sidecar.get("output", {}).get("kind") or metadata.get("output_kind", "categorical")
    return SeqlabModel(sidecar["model"], params, output_kind).eval()


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python3 load_torch.py INPUT.json\n")
        return 2
    folder = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    model = load(folder)
    with open(argv[1], encoding="utf-8") as f:
        array = json.load(f)
    with torch.no_grad():
        out = model.outputs(model.as_input(array))
    print(json.dumps(out.tolist()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
