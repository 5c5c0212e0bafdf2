// The whole training step of a TCN language model (tcn-step.h): the fused
// convolution units of conv_unit.cc (ReLU, residual add and weight norm in the
// product's epilogue) chained over buffers that stay put between steps, with
// the input projection, read-out, loss and update of step-common.cc, so nothing
// crosses into JS but the loss and the norm. With dropout each unit's output
// is masked in one pass after it (the unit then leaves the skip out), each
// block's residual add and ReLU is one more pass, and the backward masks dy
// before the unit's (whose ReLU mask, out > 0, then also holds the dropout's).
#include "tcn-step.h"

#include <algorithm>
#include <utility>

#include "gemm.h"
#include "kernels.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

/** Input channels of convolution c of level l: the embedding feeds the very first. */
int conv_in(const TcnDims& d, int l, int c) { return l == 0 && c == 0 ? d.E : d.H; }

/** Block l's residual input: level 0's downsample of it when that exists, else the block's input itself. */
const float* skip_of(const TcnDims& d, int l, const float* blockIn, const float* downsampled) {
  if (!d.residual) return nullptr;
  return l == 0 && tcn_has_downsample(d) ? downsampled : blockIn;
}

/** The unit of convolution c: ReLU, weight norm's g when used, and the block's skip on its last convolution (none given with dropout). */
ConvUnit unit_of(const TcnDims& d, const float* g, int c, const float* skip) {
  return ConvUnit{kConvRelu, d.weightNorm ? g : nullptr, c == d.convs - 1 ? skip : nullptr};
}

}  // namespace

TcnLayout tcn_layout(const TcnDims& d) {
  TcnLayout l;
  std::size_t at = 0;
  const auto take = [&at](std::size_t n) {
    const std::size_t here = at;
    at += n;
    return here;
  };
  l.inW = take(std::size_t(d.I) * d.E);
  l.inB = take(d.E);
  l.dsW = l.dsB = 0;
  for (int lv = 0; lv < d.levels; ++lv) {
    for (int c = 0; c < d.convs; ++c) {
      l.w.push_back(take(std::size_t(d.K) * conv_in(d, lv, c) * d.H));
      l.g.push_back(d.weightNorm ? take(d.H) : 0);
      l.bias.push_back(take(d.H));
    }
    if (lv == 0 && tcn_has_downsample(d)) {
      l.dsW = take(std::size_t(d.E) * d.H);
      l.dsB = take(d.H);
    }
  }
  l.outW = take(std::size_t(d.H) * d.V);
  l.outB = take(d.V);
  l.P = at;
  return l;
}

StepResult tcn_train_step(const TcnDims& d, TcnWorkspace& ws, int B, int T, const StepInput& in, const StepTargets& targets, float* arena,
                          const StepOptions& o, const TcnDropout& dropout) {
  const TcnLayout lay = tcn_layout(d);
  const std::size_t P = lay.P;
  const float* w = arena;
  float* g = arena + P;
  const int E = d.E, H = d.H, V = d.V, units = d.levels * d.convs;
  const idx rows = idx(B) * T;
  const idx widest = E > H ? E : H;
  const bool downsample = tcn_has_downsample(d);
  const bool drop = dropout.rate > 0;
  const bool blockTail = drop && d.residual;  // relu(h + skip) as a pass of its own
  const std::size_t outN = std::size_t(rows) * H;

  grow(ws.x0, rows * E);
  grow(ws.logits, rows * V);
  grow(ws.dlogits, rows * V);
  grow(ws.bufA, rows * widest);
  grow(ws.bufB, rows * widest);
  if (d.residual) grow(ws.dskip, rows * H);
  if (downsample) grow(ws.skip, rows * H);
  ws.outs.resize(units);
  ws.zs.resize(units);
  if (drop) ws.keeps.resize(units);
  if (blockTail) ws.blocks.resize(d.levels);

  input_forward(rows, E, in, w + lay.inW, w + lay.inB, ws.x0.data());

  // Forward, block by block.
  const float* x = ws.x0.data();
  for (int l = 0; l < d.levels; ++l) {
    if (l == 0 && downsample) {
      gemm(int(rows), H, E, x, E, false, w + lay.dsW, H, false, ws.skip.data(), H, false);
      const float* b = w + lay.dsB;
      for (idx r = 0; r < rows; ++r) {
        float* row = ws.skip.data() + r * H;
        for (int j = 0; j < H; ++j) row[j] += b[j];
      }
    }
    const float* skip = skip_of(d, l, x, ws.skip.data());
    for (int c = 0; c < d.convs; ++c) {
      const int i = l * d.convs + c;
      const ConvDims cd{B, T, conv_in(d, l, c), H, d.K, 1 << l};
      const ConvUnit u = unit_of(d, w + lay.g[i], c, drop ? nullptr : skip);
      grow(ws.outs[i], outN);
      float* z = nullptr;
      if (conv_unit_keeps_z(u)) {
        grow(ws.zs[i], outN);
        z = ws.zs[i].data();
      }
      conv_unit_forward(cd, u, x, w + lay.w[i], w + lay.bias[i], z, ws.outs[i].data());
      if (drop) {
        if (ws.keeps[i].size() < outN) ws.keeps[i].resize(outN);
        tcn_dropout_forward(dropout.seed, i, dropout.rate, outN, ws.keeps[i].data(), ws.outs[i].data());
      }
      x = ws.outs[i].data();
    }
    if (blockTail) {
      grow(ws.blocks[l], outN);
      float* y = ws.blocks[l].data();
      const float* h = x;
      over_elements(outN, [&](std::size_t k0, std::size_t k1) {
        for (std::size_t k = k0; k < k1; ++k) y[k] = std::max(h[k] + skip[k], 0.f);
      });
      x = y;
    }
  }

  // Read-out and loss with their backward; dy is then the gradient of the top block's output.
  float* dy = ws.bufA.data();
  float* spare = ws.bufB.data();
  const float loss = readout_loss(int(rows), H, V, x, w + lay.outW, w + lay.outB, targets, ws.logits.data(), ws.dlogits.data(),
                                  g + lay.outW, g + lay.outB, dy);

  // Backward through the blocks from the top: each unit turns dy into its input's gradient, and a block's
  // input gradient adds its skip path's (identity, or the downsample's transpose product).
  for (int l = d.levels - 1; l >= 0; --l) {
    const float* blockIn = l == 0 ? ws.x0.data() : blockTail ? ws.blocks[l - 1].data() : ws.outs[l * d.convs - 1].data();
    const float* skip = skip_of(d, l, blockIn, ws.skip.data());
    if (blockTail) {
      // relu(h + skip): the same gradient to h and to the skip path where the sum was positive.
      const float* y = ws.blocks[l].data();
      float* dskip = ws.dskip.data();
      over_elements(outN, [&](std::size_t k0, std::size_t k1) {
        for (std::size_t k = k0; k < k1; ++k) {
          const float gk = y[k] > 0.f ? dy[k] : 0.f;
          dskip[k] = gk;
          dy[k] = gk;
        }
      });
    }
    for (int c = d.convs - 1; c >= 0; --c) {
      const int i = l * d.convs + c;
      const ConvDims cd{B, T, conv_in(d, l, c), H, d.K, 1 << l};
      const ConvUnit u = unit_of(d, w + lay.g[i], c, drop ? nullptr : skip);
      if (drop) tcn_dropout_backward(dropout.rate, outN, ws.keeps[i].data(), dy);
      const float* in = c == 0 ? blockIn : ws.outs[i - 1].data();
      const float* z = conv_unit_keeps_z(u) ? ws.zs[i].data() : nullptr;
      conv_unit_backward(cd, u, in, w + lay.w[i], z, ws.outs[i].data(), dy, spare, g + lay.w[i], d.weightNorm ? g + lay.g[i] : nullptr,
                         g + lay.bias[i], u.skip ? ws.dskip.data() : nullptr);
      std::swap(dy, spare);
    }
    if (!d.residual) continue;
    const float* dskip = ws.dskip.data();
    if (l == 0 && downsample) {
      gemm(E, H, int(rows), blockIn, E, true, dskip, H, false, g + lay.dsW, H, false);
      column_sums(dskip, rows, H, g + lay.dsB);
      gemm(int(rows), E, H, dskip, H, false, w + lay.dsW, H, true, dy, E, true);
    } else {
      for (idx k = 0; k < rows * H; ++k) dy[k] += dskip[k];
    }
  }
  input_backward(rows, E, in, dy, g + lay.inW, g + lay.inB);

  // Global norm, clipping and the update, over the whole arena at once.
  return finish_step(P, arena, loss, o);
}

}  // namespace sk
