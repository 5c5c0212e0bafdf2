// The whole training step of a recurrent language model (train-step.h): the
// same passes the fused kernels run one by one behind TF.js (recurrent.cc,
// loss.cc, optimizer.cc), chained here over buffers that stay put between
// steps, so nothing crosses into JS but the loss, the norm and the new state.
// The input projection, read-out, loss, update and dropout masks are step-common.cc's.
// With dropout each layer's output is copied and masked in one pass after the
// layer (the copy, not hs, feeds the layer above or the read-out: the layer's
// backward and the next window's state need hs itself), and the gradient
// arriving at that copy is masked in one pass before the layer's backward.
#include "train-step.h"

#include <cstring>
#include <utility>

#include "gemm.h"
#include "kernels.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

int gate_width(Cell c, int H) { return c == Cell::Lstm ? 4 * H : c == Cell::Gru ? 3 * H : H; }
int bias_size(Cell c, int H) { return c == Cell::Lstm ? 4 * H : c == Cell::Gru ? 6 * H : H; }

}  // namespace

LmLayout lm_layout(const LmDims& d) {
  LmLayout l;
  const std::size_t G = gate_width(d.cell, d.H);
  std::size_t at = 0;
  l.inW = at;
  at += std::size_t(d.I) * d.E;
  l.inB = at;
  at += d.E;
  for (int k = 0; k < d.L; ++k) {
    const std::size_t in = k == 0 ? d.E : d.H;
    l.W.push_back(at);
    at += in * G;
    l.U.push_back(at);
    at += std::size_t(d.H) * G;
    l.b.push_back(at);
    at += bias_size(d.cell, d.H);
  }
  l.outW = at;
  at += std::size_t(d.H) * d.V;
  l.outB = at;
  at += d.V;
  l.P = at;
  return l;
}

StepResult lm_train_step(const LmDims& d, LmWorkspace& ws, int B, int T, const StepInput& in, const StepTargets& targets, float* state,
                         float* arena, const StepOptions& o, const TcnDropout& dropout) {
  const LmLayout lay = lm_layout(d);
  const std::size_t P = lay.P;
  float* w = arena;
  float* g = arena + P;
  const int E = d.E, H = d.H, V = d.V, L = d.L, S = states_per_layer(d.cell), G = gate_width(d.cell, H);
  const idx rows = idx(B) * T, BH = idx(B) * H;
  const idx widest = E > H ? E : H;

  grow(ws.x0, rows * E);
  grow(ws.logits, rows * V);
  grow(ws.dlogits, rows * V);
  grow(ws.bufA, rows * widest);
  grow(ws.bufB, rows * widest);
  grow(ws.stateIn, L * S * BH);
  grow(ws.dh0, BH);
  grow(ws.dc0, BH);
  ws.dcT.assign(BH, 0.f);  // the loss does not read the last cell state
  ws.hs.resize(L);
  ws.aux.resize(L);
  ws.cs.resize(L);
  ws.cT.resize(L);
  const bool drop = dropout.rate > 0;
  if (drop) {
    ws.drops.resize(L);
    ws.keeps.resize(L);
  }
  std::memcpy(ws.stateIn.data(), state, L * S * BH * sizeof(float));

  input_forward(rows, E, in, w + lay.inW, w + lay.inB, ws.x0.data());

  // What layer l's output feeds onwards (the layer above, or the read-out for the top one): hs, or its dropped copy.
  const auto fed = [&](int l) -> const float* { return drop ? ws.drops[l].data() : ws.hs[l].data(); };

  // Forward through the layers.
  for (int l = 0; l < L; ++l) {
    const SeqDims sd{B, T, l == 0 ? E : H, H};
    const float* x = l == 0 ? ws.x0.data() : fed(l - 1);
    const float* h0 = ws.stateIn.data() + idx(l) * S * BH;
    grow(ws.hs[l], rows * H);
    const float *W = w + lay.W[l], *U = w + lay.U[l], *b = w + lay.b[l];
    switch (d.cell) {
      case Cell::Lstm:
        grow(ws.aux[l], rows * G);
        grow(ws.cs[l], rows * H);
        grow(ws.cT[l], BH);
        lstm_forward(sd, x, W, U, b, h0, h0 + BH, ws.hs[l].data(), ws.cT[l].data(), ws.aux[l].data(), ws.cs[l].data());
        break;
      case Cell::Gru:
        grow(ws.aux[l], rows * 4 * H);
        gru_forward(sd, x, W, U, b, h0, ws.hs[l].data(), ws.aux[l].data());
        break;
      case Cell::Rnn:
        rnn_forward(sd, x, W, U, b, h0, ws.hs[l].data());
        break;
    }
    if (drop) {
      const std::size_t n = std::size_t(rows) * H;
      grow(ws.drops[l], n);
      if (ws.keeps[l].size() < n) ws.keeps[l].resize(n);
      std::memcpy(ws.drops[l].data(), ws.hs[l].data(), n * sizeof(float));
      tcn_dropout_forward(dropout.seed, l, dropout.rate, n, ws.keeps[l].data(), ws.drops[l].data());
    }
  }
  const float* top = fed(L - 1);

  // Read-out and loss with their backward, then the layers from the top, then the input projection.
  float* dhs = ws.bufA.data();
  const float loss = readout_loss(int(rows), H, V, top, w + lay.outW, w + lay.outB, targets, ws.logits.data(), ws.dlogits.data(),
                                  g + lay.outW, g + lay.outB, dhs);
  float* dx = ws.bufB.data();
  for (int l = L - 1; l >= 0; --l) {
    const SeqDims sd{B, T, l == 0 ? E : H, H};
    const float* x = l == 0 ? ws.x0.data() : fed(l - 1);
    // dhs holds the gradient of what this layer fed onwards; through the mask it becomes that of hs.
    if (drop) tcn_dropout_backward(dropout.rate, std::size_t(rows) * H, ws.keeps[l].data(), dhs);
    const float* h0 = ws.stateIn.data() + idx(l) * S * BH;
    const float *W = w + lay.W[l], *U = w + lay.U[l];
    float *dW = g + lay.W[l], *dU = g + lay.U[l], *db = g + lay.b[l];
    switch (d.cell) {
      case Cell::Lstm:
        lstm_backward(sd, x, W, U, h0, h0 + BH, ws.aux[l].data(), ws.cs[l].data(), ws.hs[l].data(), dhs, ws.dcT.data(), dx, dW, dU, db,
                      ws.dh0.data(), ws.dc0.data());
        break;
      case Cell::Gru:
        gru_backward(sd, x, W, U, h0, ws.hs[l].data(), ws.aux[l].data(), dhs, dx, dW, dU, db, ws.dh0.data());
        break;
      case Cell::Rnn:
        rnn_backward(sd, x, W, U, h0, ws.hs[l].data(), dhs, dx, dW, dU, db, ws.dh0.data());
        break;
    }
    std::swap(dhs, dx);  // this layer's input gradient is the next one down's output gradient
  }
  input_backward(rows, E, in, dhs, g + lay.inW, g + lay.inB);

  // The next window's state: h = hs[:, T−1] (and c = cT) per layer.
  for (int l = 0; l < L; ++l) {
    float* h = state + idx(l) * S * BH;
    for (int b = 0; b < B; ++b) std::memcpy(h + idx(b) * H, ws.hs[l].data() + (idx(b) * T + T - 1) * H, H * sizeof(float));
    if (d.cell == Cell::Lstm) std::memcpy(h + BH, ws.cT[l].data(), BH * sizeof(float));
  }

  // Global norm, clipping and the update, over the whole arena at once.
  return finish_step(P, arena, loss, o);
}

}  // namespace sk
