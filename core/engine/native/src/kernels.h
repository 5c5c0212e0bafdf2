// Fused sequence kernels: whole-sequence forward and backward passes of the
// recurrent cells and of the causal dilated convolution, on row-major float
// buffers. Layouts match the reference ops in core/ml/ops (batch-major
// [batch, time, features]; gate order i,f,g,o for the LSTM and z,r,n for the
// GRU). The backward passes return the gradients of every input.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sk {

struct SeqDims {
  int B, T, I, H;  // batch, time, input width, hidden width
};

// The last hidden state is hs[:, T−1] (callers slice it; its gradient then
// arrives through dhs), so no pass takes or returns it separately.

// LSTM. Forward writes hs [B,T,H], cT [B,H] and, for the backward pass,
// gates [B,T,4H] (activated i,f,g,o) and cs [B,T,H] (cell states).
void lstm_forward(const SeqDims& d, const float* x, const float* W, const float* U, const float* b, const float* h0, const float* c0,
                  float* hs, float* cT, float* gates, float* cs);
void lstm_backward(const SeqDims& d, const float* x, const float* W, const float* U, const float* h0, const float* c0, const float* gates,
                   const float* cs, const float* hs, const float* dhs, const float* dcT, float* dx, float* dW, float* dU,
                   float* db, float* dh0, float* dc0);

// GRU (PyTorch's variant, reset after the recurrent product). bias is [2,3H]
// (input bias; recurrent bias). cache [B,T,4H] holds z, r, n and the
// recurrent n term (h·U_n + b_rec,n).
void gru_forward(const SeqDims& d, const float* x, const float* W, const float* U, const float* bias, const float* h0, float* hs, float* cache);
void gru_backward(const SeqDims& d, const float* x, const float* W, const float* U, const float* h0, const float* hs, const float* cache,
                  const float* dhs, float* dx, float* dW, float* dU, float* dbias, float* dh0);

// Elman RNN, h_t = tanh(x_t·W + h_{t−1}·U + b).
void rnn_forward(const SeqDims& d, const float* x, const float* W, const float* U, const float* b, const float* h0, float* hs);
void rnn_backward(const SeqDims& d, const float* x, const float* W, const float* U, const float* h0, const float* hs, const float* dhs,
                  float* dx, float* dW, float* dU, float* db, float* dh0);

struct ConvDims {
  int B, T, Cin, Cout, K, D;  // batch, time, channels in/out, kernel size, dilation
};
// y[b,t,o] = bias[o] + Σ_{j,c} x[b, t−(K−1−j)·D, c] · w[j·Cin + c, o] (x = 0 before t = 0).
void conv_forward(const ConvDims& d, const float* x, const float* w, const float* bias, float* y);
void conv_backward(const ConvDims& d, const float* x, const float* w, const float* dy, float* dx, float* dw, float* dbias);

// A convolution with the rest of its unit fused in (core/ml/ops/causal-conv-unit.ts):
// z = conv(x, w) + bias over Cout columns, then out = act(z):
//   relu        out = max(z, 0)                         [BT, Cout]
//               or, with skip, max(max(z, 0) + skip, 0)  (a TCN block's tail)
//   glu         out = z[:, :H] ⊙ σ(z[:, H:])             [BT, H = Cout/2] (GCNN)
//   gated tanh  out = tanh(z[:, :H]) ⊙ σ(z[:, H:])       [BT, H] (WaveNet)
// With g (weight norm) the kernel is w = v·g/‖v‖ per output column and `w` holds v.
enum ConvActivation { kConvRelu = 0, kConvGlu = 1, kConvGatedTanh = 2 };
struct ConvUnit {
  ConvActivation act;
  const float* g;     // [Cout], or null: `w` is the kernel itself
  const float* skip;  // [BT, Cout], relu only, or null
};
/** Columns of `out`: Cout for relu, Cout/2 for the gated units. */
inline int conv_unit_width(ConvActivation act, int Cout) { return act == kConvRelu ? Cout : Cout / 2; }
/** True when the backward pass needs z (all but relu without skip, whose mask is out > 0). */
inline bool conv_unit_keeps_z(const ConvUnit& u) { return u.act != kConvRelu || u.skip != nullptr; }
// z [BT, Cout] is written when conv_unit_keeps_z (else pass null); out [BT, width].
void conv_unit_forward(const ConvDims& d, const ConvUnit& u, const float* x, const float* w, const float* bias, float* z, float* out);
// From dout [BT, width]: dx, dw (of v when weight-normalised), dg [Cout] (weight norm only), dbias,
// dskip [BT, Cout] (with skip only).
void conv_unit_backward(const ConvDims& d, const ConvUnit& u, const float* x, const float* w, const float* z, const float* out,
                        const float* dout, float* dx, float* dw, float* dg, float* dbias, float* dskip);

// Mean over rows of −log softmax(logits[r])[targets[r]]; writes its gradient
// with respect to the logits, (softmax − one-hot) / rows, into grad [rows, V].
float softmax_cross_entropy(int rows, int V, const float* logits, const int32_t* targets, float* grad);

// Optimiser updates, in place over n entries (core/ml/train/optimizer.ts):
// Adam m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − stepSize·m/(√v + ε),
// with every constant rounded to float32 as TF.js uploads a scalar.
struct AdamConstants {
  float beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, stepSize;
};
void adam_update(std::size_t n, float* w, float* m, float* v, const float* g, const AdamConstants& c);
// SGD w ← w − g·lr.
void sgd_update(std::size_t n, float* w, const float* g, float lr);
// Σ x² in double (the global gradient norm is √ of the sum over all gradients).
double sum_of_squares(std::size_t n, const float* x);

}  // namespace sk
