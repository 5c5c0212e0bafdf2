// Causal dilated 1-D convolution, forward and backward (TF.js has no gradient
// for dilated convolutions at all). Forward and input gradient are one
// product per tap on row-shifted views of each sequence, with the tap
// matrices packed once: no column matrix is written (at width 512 it would be
// 50 MB per call). The weight gradient, one deep product, uses im2col.
#include <cstring>
#include <vector>

#include "gemm.h"
#include "kernels.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

/** Offset in steps of tap j: output t reads input t − shift. */
inline int tap_shift(const ConvDims& d, int j) { return (d.K - 1 - j) * d.D; }

/**
 * Column buffer for the weight gradient, kept per thread and reused: a fresh
 * allocation of this size costs page faults on every call (50 MB at width 512,
 * batch 64, length 128).
 */
float* im2col_scratch(const ConvDims& d, const float* x) {
  thread_local std::vector<float> scratch;
  const int KC = d.K * d.Cin;
  const std::size_t need = static_cast<std::size_t>(d.B) * d.T * KC;
  if (scratch.size() < need) scratch.resize(need);
  float* col = scratch.data();
  parallel_parts([&](int part, int parts) {
    int b0, b1;
    split_range(d.B, part, parts, 1, b0, b1);
    for (int b = b0; b < b1; ++b) {
      for (int t = 0; t < d.T; ++t) {
        float* row = col + (static_cast<idx>(b) * d.T + t) * KC;
        for (int j = 0; j < d.K; ++j) {
          const int s = t - tap_shift(d, j);
          if (s >= 0) std::memcpy(row + j * d.Cin, x + (static_cast<idx>(b) * d.T + s) * d.Cin, d.Cin * sizeof(float));
          else std::memset(row + j * d.Cin, 0, d.Cin * sizeof(float));
        }
      }
    }
  });
  return col;
}

/**
 * For every batch item and tap j: out[b, s_j + t] (+)= in[b, t] · op(M_j) over
 * the valid steps, where the taps' matrices are pre-packed. Tap K−1 (shift 0)
 * runs first without accumulating, so `out` needs no clearing. `reverse`
 * swaps the roles of the shifted rows (the input-gradient direction:
 * out[b, t] += in[b, s_j + t] · M_jᵀ).
 */
void shifted_products(const ConvDims& d, const float* in, int inWidth, const std::vector<PackedB>& taps, float* out, int outWidth, bool reverse) {
  parallel_parts([&](int part, int parts) {
    int b0, b1;
    split_range(d.B, part, parts, 1, b0, b1);
    for (int b = b0; b < b1; ++b) {
      const float* inB = in + static_cast<idx>(b) * d.T * inWidth;
      float* outB = out + static_cast<idx>(b) * d.T * outWidth;
      for (int j = d.K - 1; j >= 0; --j) {
        const int s = tap_shift(d, j);
        if (s >= d.T) continue;
        const float* a = reverse ? inB + static_cast<idx>(s) * inWidth : inB;
        float* c = reverse ? outB : outB + static_cast<idx>(s) * outWidth;
        gemm_packed(d.T - s, a, inWidth, taps[j], c, outWidth, j != d.K - 1);
      }
    }
  });
}

}  // namespace

void conv_forward(const ConvDims& d, const float* x, const float* w, const float* bias, float* y) {
  std::vector<PackedB> taps;
  for (int j = 0; j < d.K; ++j) taps.push_back(pack_b(d.Cin, d.Cout, w + static_cast<idx>(j) * d.Cin * d.Cout, d.Cout, false));
  shifted_products(d, x, d.Cin, taps, y, d.Cout, false);
  const idx rows = static_cast<idx>(d.B) * d.T;
  parallel_parts([&](int part, int parts) {
    int r0, r1;
    split_range(static_cast<int>(rows), part, parts, 1, r0, r1);
    for (idx r = r0; r < r1; ++r) {
      float* row = y + r * d.Cout;
      for (int o = 0; o < d.Cout; ++o) row[o] += bias[o];
    }
  });
}

void conv_backward(const ConvDims& d, const float* x, const float* w, const float* dy, float* dx, float* dw, float* dbias) {
  const idx rows = static_cast<idx>(d.B) * d.T;
  const int KC = d.K * d.Cin;
  gemm(KC, d.Cout, static_cast<int>(rows), im2col_scratch(d, x), KC, true, dy, d.Cout, false, dw, d.Cout, false);
  std::vector<PackedB> tapsT;  // W_jᵀ: [Cout, Cin]
  for (int j = 0; j < d.K; ++j) tapsT.push_back(pack_b(d.Cout, d.Cin, w + static_cast<idx>(j) * d.Cin * d.Cout, d.Cout, true));
  shifted_products(d, dy, d.Cout, tapsT, dx, d.Cin, true);
  parallel_parts([&](int part, int parts) {
    int c0, c1;
    split_range(d.Cout, part, parts, 16, c0, c1);
    if (c1 <= c0) return;
    std::memset(dbias + c0, 0, (c1 - c0) * sizeof(float));
    for (idx r = 0; r < rows; ++r) {
      const float* row = dy + r * d.Cout;
      for (int o = c0; o < c1; ++o) dbias[o] += row[o];
    }
  });
}

}  // namespace sk
