// The whole training step of a WaveNet (wavenet-step.h): the input
// convolution of conv.cc, the gated units of conv_unit.cc (tanh·σ in the
// product's epilogue) over each layer's filter and gate gathered into one
// kernel, the 1×1 skip and residual projections and the head's two 1×1
// layers as single products over the [B·T, ·] rows, chained over buffers that
// stay put between steps, with the embedding, read-out, loss and update of
// step-common.cc (the input projection among them) and the TCN step's dropout masks, so nothing crosses into JS
// but the loss and the norm.
#include "wavenet-step.h"

#include <cstring>
#include <utility>

#include "gemm.h"
#include "kernels.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

/** y [rows, out] = (accumulate ? y : 0) + x [rows, in] · W [in, out] + b [out]: a 1×1 convolution. */
void dense_forward(idx rows, int in, int out, const float* x, const float* W, const float* b, float* y, bool accumulate) {
  gemm(int(rows), out, in, x, in, false, W, out, false, y, out, accumulate);
  for (idx r = 0; r < rows; ++r) {
    float* row = y + r * out;
    for (int j = 0; j < out; ++j) row[j] += b[j];
  }
}

/**
 * The backward of dense_forward from dy [rows, out]: dW [in, out] = xᵀ·dy and
 * db [out] written; dx [rows, in] = dy·Wᵀ written, or added to when accumulate.
 */
void dense_backward(idx rows, int in, int out, const float* x, const float* W, const float* dy, float* dW, float* db, float* dx,
                    bool accumulate) {
  gemm(in, out, int(rows), x, in, true, dy, out, false, dW, out, false);
  column_sums(dy, rows, out, db);
  gemm(int(rows), in, out, dy, out, false, W, out, true, dx, in, accumulate);
}

/** dy ← dy where y > 0, else 0: the gradient through y = relu(x), read from y (y > 0 exactly where x > 0). */
void relu_backward(std::size_t n, const float* y, float* dy) {
  for (std::size_t k = 0; k < n; ++k) dy[k] = y[k] > 0.f ? dy[k] : 0.f;
}

}  // namespace

WavenetLayout wavenet_layout(const WavenetDims& d) {
  WavenetLayout l;
  std::size_t at = 0;
  const auto take = [&at](std::size_t n) {
    const std::size_t here = at;
    at += n;
    return here;
  };
  l.inW = take(std::size_t(d.I) * d.E);
  l.inB = take(d.E);
  l.cW = take(std::size_t(kWavenetInputKernel) * d.E * d.R);
  l.cB = take(d.R);
  for (int i = 0; i < wavenet_layers(d); ++i) {
    l.fW.push_back(take(std::size_t(d.K) * d.R * d.D));
    l.fB.push_back(take(d.D));
    l.gW.push_back(take(std::size_t(d.K) * d.R * d.D));
    l.gB.push_back(take(d.D));
    l.sW.push_back(take(std::size_t(d.D) * d.S));
    l.sB.push_back(take(d.S));
    const bool res = wavenet_has_residual(d, i);
    l.rW.push_back(res ? take(std::size_t(d.D) * d.R) : 0);
    l.rB.push_back(res ? take(d.R) : 0);
  }
  l.hidW = take(std::size_t(d.S) * d.S);
  l.hidB = take(d.S);
  l.outW = take(std::size_t(d.S) * d.V);
  l.outB = take(d.V);
  l.P = at;
  return l;
}

StepResult wavenet_train_step(const WavenetDims& d, WavenetWorkspace& ws, int B, int T, const StepInput& in, const StepTargets& targets,
                              float* arena, const StepOptions& o, const TcnDropout& dropout) {
  const WavenetLayout lay = wavenet_layout(d);
  const std::size_t P = lay.P;
  const float* w = arena;
  float* g = arena + P;
  const int E = d.E, R = d.R, D = d.D, S = d.S, V = d.V, layers = wavenet_layers(d);
  const idx rows = idx(B) * T;
  const bool drop = dropout.rate > 0;
  const std::size_t resN = std::size_t(rows) * R, outN = std::size_t(rows) * D, skipN = std::size_t(rows) * S;

  grow(ws.x0, rows * E);
  grow(ws.dx0, rows * E);
  for (auto* buf : {&ws.skipSum, &ws.head, &ws.hidden, &ws.dhidden, &ws.dskip}) grow(*buf, skipN);
  grow(ws.logits, rows * V);
  grow(ws.dlogits, rows * V);
  grow(ws.dres, resN);
  grow(ws.dxconv, resN);
  grow(ws.dz, outN);
  grow(ws.dw, std::size_t(d.K) * R * 2 * D);
  grow(ws.db, 2 * D);
  for (auto* per : {&ws.kernels, &ws.biases, &ws.xs, &ws.zs, &ws.outs}) per->resize(layers);
  if (drop) ws.keeps.resize(layers);
  const ConvUnit gated{kConvGatedTanh, nullptr, nullptr};
  const ConvDims inputConv{B, T, E, R, kWavenetInputKernel, 1};

  // Forward: the input projection and the input convolution give layer 0's input.
  input_forward(rows, E, in, w + lay.inW, w + lay.inB, ws.x0.data());
  grow(ws.xs[0], resN);
  conv_forward(inputConv, ws.x0.data(), w + lay.cW, w + lay.cB, ws.xs[0].data());

  // The gated layers: z = gate(x * [W_f | W_g]) → dropout → skip sum += z·W_s + b_s; next x = x + z·W_r + b_r.
  for (int i = 0; i < layers; ++i) {
    const std::size_t KR = std::size_t(d.K) * R;
    grow(ws.kernels[i], KR * 2 * D);
    gather_halves(KR, D, w + lay.fW[i], w + lay.gW[i], ws.kernels[i].data());
    grow(ws.biases[i], 2 * D);
    gather_halves(1, D, w + lay.fB[i], w + lay.gB[i], ws.biases[i].data());
    grow(ws.zs[i], outN * 2);
    grow(ws.outs[i], outN);
    const ConvDims cd{B, T, R, 2 * D, d.K, wavenet_dilation(d, i)};
    conv_unit_forward(cd, gated, ws.xs[i].data(), ws.kernels[i].data(), ws.biases[i].data(), ws.zs[i].data(), ws.outs[i].data());
    if (drop) {
      if (ws.keeps[i].size() < outN) ws.keeps[i].resize(outN);
      tcn_dropout_forward(dropout.seed, i, dropout.rate, outN, ws.keeps[i].data(), ws.outs[i].data());
    }
    const float* z = ws.outs[i].data();
    dense_forward(rows, D, S, z, w + lay.sW[i], w + lay.sB[i], ws.skipSum.data(), i > 0);
    if (wavenet_has_residual(d, i)) {
      grow(ws.xs[i + 1], resN);
      std::memcpy(ws.xs[i + 1].data(), ws.xs[i].data(), resN * sizeof(float));
      dense_forward(rows, D, R, z, w + lay.rW[i], w + lay.rB[i], ws.xs[i + 1].data(), true);
    }
  }

  // Head: relu(skip sum) → 1×1 → relu → read-out and loss, with their backward down to the skip sum's gradient.
  float* head = ws.head.data();
  float* hidden = ws.hidden.data();
  for (std::size_t k = 0; k < skipN; ++k) head[k] = ws.skipSum[k] > 0.f ? ws.skipSum[k] : 0.f;
  dense_forward(rows, S, S, head, w + lay.hidW, w + lay.hidB, hidden, false);
  for (std::size_t k = 0; k < skipN; ++k) hidden[k] = hidden[k] > 0.f ? hidden[k] : 0.f;
  const float loss = readout_loss(int(rows), S, V, hidden, w + lay.outW, w + lay.outB, targets, ws.logits.data(), ws.dlogits.data(),
                                  g + lay.outW, g + lay.outB, ws.dhidden.data());
  relu_backward(skipN, hidden, ws.dhidden.data());
  dense_backward(rows, S, S, head, w + lay.hidW, ws.dhidden.data(), g + lay.hidW, g + lay.hidB, ws.dskip.data(), false);
  relu_backward(skipN, head, ws.dskip.data());

  // Backward through the layers from the last: every layer's skip projection reads the skip sum's gradient;
  // dx holds the gradient of the layer's output x + z·W_r + b_r (none for the last layer, whose x feeds only its unit).
  float* dx = ws.dres.data();
  float* spare = ws.dxconv.data();
  float* dz = ws.dz.data();
  for (int i = layers - 1; i >= 0; --i) {
    const float* z = ws.outs[i].data();
    const bool res = wavenet_has_residual(d, i);
    dense_backward(rows, D, S, z, w + lay.sW[i], ws.dskip.data(), g + lay.sW[i], g + lay.sB[i], dz, false);
    if (res) dense_backward(rows, D, R, z, w + lay.rW[i], dx, g + lay.rW[i], g + lay.rB[i], dz, true);
    if (drop) tcn_dropout_backward(dropout.rate, outN, ws.keeps[i].data(), dz);
    const ConvDims cd{B, T, R, 2 * D, d.K, wavenet_dilation(d, i)};
    conv_unit_backward(cd, gated, ws.xs[i].data(), ws.kernels[i].data(), ws.zs[i].data(), z, dz, spare, ws.dw.data(), nullptr,
                       ws.db.data(), nullptr);
    const std::size_t KR = std::size_t(d.K) * R;
    scatter_halves(KR, D, ws.dw.data(), g + lay.fW[i], g + lay.gW[i]);
    scatter_halves(1, D, ws.db.data(), g + lay.fB[i], g + lay.gB[i]);
    // The residual's identity path hands the output's gradient straight to the input.
    if (res)
      for (std::size_t k = 0; k < resN; ++k) spare[k] += dx[k];
    std::swap(dx, spare);
  }
  conv_backward(inputConv, ws.x0.data(), w + lay.cW, dx, ws.dx0.data(), g + lay.cW, g + lay.cB);
  input_backward(rows, E, in, ws.dx0.data(), g + lay.inW, g + lay.inB);

  // Global norm, clipping and the update, over the whole arena at once.
  return finish_step(P, arena, loss, o);
}

}  // namespace sk
