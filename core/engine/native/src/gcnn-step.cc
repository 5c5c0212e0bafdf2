// The whole training step of a gated convolutional model
// (gcnn-step.h): the GLU convolution units of conv_unit.cc (the gate in the
// product's epilogue, weight norm folded into the packed kernel) chained over
// buffers that stay put between steps, with the input projection, read-out, loss and
// update of step-common.cc and the TCN step's dropout masks, so nothing
// crosses into JS but the loss and the norm.
#include "gcnn-step.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "gemm.h"
#include "kernels.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

/** Input channels of convolution c of level l: the embedding feeds the very first. */
int conv_in(const GcnnDims& d, int l, int c) { return l == 0 && c == 0 ? d.E : d.H; }

}  // namespace

GcnnLayout gcnn_layout(const GcnnDims& d) {
  GcnnLayout l;
  std::size_t at = 0;
  const auto take = [&at](std::size_t n) {
    const std::size_t here = at;
    at += n;
    return here;
  };
  l.inW = take(std::size_t(d.I) * d.E);
  l.inB = take(d.E);
  l.pjW = l.pjB = 0;
  for (int lv = 0; lv < d.levels; ++lv) {
    for (int c = 0; c < d.convs; ++c) {
      for (int half = 0; half < 2; ++half) {
        l.w.push_back(take(std::size_t(d.K) * conv_in(d, lv, c) * d.H));
        l.g.push_back(d.weightNorm ? take(d.H) : 0);
        l.bias.push_back(take(d.H));
      }
    }
    if (lv == 0 && gcnn_has_projection(d)) {
      l.pjW = take(std::size_t(d.E) * d.H);
      l.pjB = take(d.H);
    }
  }
  l.outW = take(std::size_t(d.H) * d.V);
  l.outB = take(d.V);
  l.P = at;
  return l;
}

StepResult gcnn_train_step(const GcnnDims& d, GcnnWorkspace& ws, int B, int T, const StepInput& in, const StepTargets& targets, float* arena,
                           const StepOptions& o, const TcnDropout& dropout) {
  const GcnnLayout lay = gcnn_layout(d);
  const std::size_t P = lay.P;
  const float* w = arena;
  float* g = arena + P;
  const int E = d.E, H = d.H, V = d.V, units = d.levels * d.convs;
  const idx rows = idx(B) * T;
  const idx widest = E > H ? E : H;
  const bool projection = gcnn_has_projection(d);
  const bool drop = dropout.rate > 0;
  const std::size_t outN = std::size_t(rows) * H;

  grow(ws.x0, rows * E);
  grow(ws.logits, rows * V);
  grow(ws.dlogits, rows * V);
  grow(ws.bufA, rows * widest);
  grow(ws.bufB, rows * widest);
  grow(ws.dskip, outN);
  grow(ws.dw, std::size_t(d.K) * widest * 2 * H);
  grow(ws.dg, 2 * H);
  grow(ws.db, 2 * H);
  if (projection) grow(ws.skip, outN);
  for (auto* per : {&ws.kernels, &ws.gains, &ws.biases, &ws.outs, &ws.zs}) per->resize(units);
  ws.blocks.resize(d.levels);
  if (drop) ws.keeps.resize(units);

  // Convolution i's unit over its gathered kernel (v with its gains under weight norm).
  const auto unit_of = [&](int i) { return ConvUnit{kConvGlu, d.weightNorm ? ws.gains[i].data() : nullptr, nullptr}; };

  input_forward(rows, E, in, w + lay.inW, w + lay.inB, ws.x0.data());

  // Forward, block by block.
  const float* x = ws.x0.data();
  for (int l = 0; l < d.levels; ++l) {
    const float* blockIn = x;
    if (l == 0 && projection) {
      gemm(int(rows), H, E, blockIn, E, false, w + lay.pjW, H, false, ws.skip.data(), H, false);
      const float* b = w + lay.pjB;
      for (idx r = 0; r < rows; ++r) {
        float* row = ws.skip.data() + r * H;
        for (int j = 0; j < H; ++j) row[j] += b[j];
      }
    }
    const float* skip = l == 0 && projection ? ws.skip.data() : blockIn;
    for (int c = 0; c < d.convs; ++c) {
      const int i = l * d.convs + c, lin = 2 * i, gate = 2 * i + 1;
      const int cin = conv_in(d, l, c);
      const std::size_t KC = std::size_t(d.K) * cin;
      grow(ws.kernels[i], KC * 2 * H);
      gather_halves(KC, H, w + lay.w[lin], w + lay.w[gate], ws.kernels[i].data());
      grow(ws.biases[i], 2 * H);
      gather_halves(1, H, w + lay.bias[lin], w + lay.bias[gate], ws.biases[i].data());
      if (d.weightNorm) {
        grow(ws.gains[i], 2 * H);
        gather_halves(1, H, w + lay.g[lin], w + lay.g[gate], ws.gains[i].data());
      }
      grow(ws.outs[i], outN);
      grow(ws.zs[i], outN * 2);
      const ConvDims cd{B, T, cin, 2 * H, d.K, gcnn_dilation(d, l)};
      conv_unit_forward(cd, unit_of(i), x, ws.kernels[i].data(), ws.biases[i].data(), ws.zs[i].data(), ws.outs[i].data());
      if (drop) {
        if (ws.keeps[i].size() < outN) ws.keeps[i].resize(outN);
        tcn_dropout_forward(dropout.seed, i, dropout.rate, outN, ws.keeps[i].data(), ws.outs[i].data());
      }
      x = ws.outs[i].data();
    }
    grow(ws.blocks[l], outN);
    float* y = ws.blocks[l].data();
    for (std::size_t k = 0; k < outN; ++k) y[k] = x[k] + skip[k];
    x = y;
  }

  // Read-out and loss with their backward; dy is then the gradient of the top block's output.
  float* dy = ws.bufA.data();
  float* spare = ws.bufB.data();
  const float loss = readout_loss(int(rows), H, V, x, w + lay.outW, w + lay.outB, targets, ws.logits.data(), ws.dlogits.data(),
                                  g + lay.outW, g + lay.outB, dy);

  // Backward through the blocks from the top: x = h + skip hands dy to both; each unit turns its dy into its
  // input's gradient, and the block's input gradient then adds the skip path's (identity, or the projection's).
  for (int l = d.levels - 1; l >= 0; --l) {
    const float* blockIn = l == 0 ? ws.x0.data() : ws.blocks[l - 1].data();
    float* dskip = ws.dskip.data();
    std::memcpy(dskip, dy, outN * sizeof(float));
    for (int c = d.convs - 1; c >= 0; --c) {
      const int i = l * d.convs + c, lin = 2 * i, gate = 2 * i + 1;
      const int cin = conv_in(d, l, c);
      const std::size_t KC = std::size_t(d.K) * cin;
      const ConvDims cd{B, T, cin, 2 * H, d.K, gcnn_dilation(d, l)};
      if (drop) tcn_dropout_backward(dropout.rate, outN, ws.keeps[i].data(), dy);
      const float* in = c == 0 ? blockIn : ws.outs[i - 1].data();
      conv_unit_backward(cd, unit_of(i), in, ws.kernels[i].data(), ws.zs[i].data(), ws.outs[i].data(), dy, spare, ws.dw.data(),
                         d.weightNorm ? ws.dg.data() : nullptr, ws.db.data(), nullptr);
      scatter_halves(KC, H, ws.dw.data(), g + lay.w[lin], g + lay.w[gate]);
      scatter_halves(1, H, ws.db.data(), g + lay.bias[lin], g + lay.bias[gate]);
      if (d.weightNorm) scatter_halves(1, H, ws.dg.data(), g + lay.g[lin], g + lay.g[gate]);
      std::swap(dy, spare);
    }
    if (l == 0 && projection) {
      gemm(E, H, int(rows), blockIn, E, true, dskip, H, false, g + lay.pjW, H, false);
      column_sums(dskip, rows, H, g + lay.pjB);
      gemm(int(rows), E, H, dskip, H, false, w + lay.pjW, H, true, dy, E, true);
    } else {
      for (std::size_t k = 0; k < outN; ++k) dy[k] += dskip[k];
    }
  }
  input_backward(rows, E, in, dy, g + lay.inW, g + lay.inB);

  // Global norm, clipping and the update, over the whole arena at once.
  return finish_step(P, arena, loss, o);
}

}  // namespace sk
