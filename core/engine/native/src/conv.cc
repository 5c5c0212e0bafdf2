// Causal dilated 1-D convolution, forward and backward (TF.js has no gradient
// for dilated convolutions at all). The forward pass and the input gradient
// are each ONE product of depth kernel × channels, whose left operand (the
// im2col matrix of shifted rows) is never written: the GEMM's packing step
// reads every row of it straight from the sequence, at the tap's shift
// (a column matrix would be 50 MB per call at width 512, batch 64, length
// 128; one product per tap re-reads the output K times). The bias is added
// in the product's epilogue. The weight gradient, one deep product over the
// time steps, packs a materialised im2col matrix.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

/** Offset in steps of tap j: output t reads input t − shift. */
inline int tap_shift(const ConvDims& d, int j) { return (d.K - 1 - j) * d.D; }

/**
 * The implicit im2col matrix of a [B, T, W] sequence, one row per (b, t) and
 * K·W columns: column j·W + c of row (b, t) is seq[b, t + direction·shift_j, c],
 * or 0 where that step is outside [0, T). direction −1 is the forward pass
 * (outputs read the past); +1 the input gradient (inputs receive from the future).
 */
struct ShiftedRows {
  const float* seq;
  int T, W;
  const ConvDims* d;
  int direction;

  /** A PackA: rows [i0, i0+mc) × columns [p0, p0+kc) into MR-row panels [kc][MR], zero-padded. */
  void pack(int i0, int mc, int p0, int kc, float* out) const {
    const int MR = gemm_mr();
    for (int ir = 0; ir < mc; ir += MR) {
      const int m = std::min(MR, mc - ir);
      for (int r = 0; r < MR; ++r) {
        float* dst = out + r;  // column k of this row lands at dst[k·MR]
        if (r >= m) {
          for (int k = 0; k < kc; ++k) dst[static_cast<idx>(k) * MR] = 0.f;
          continue;
        }
        const int i = i0 + ir + r, b = i / T, t = i % T;
        // Walk the columns tap by tap: within a tap they are one contiguous run of the source row.
        for (int k = 0, p = p0; k < kc;) {
          const int j = p / W, c = p % W, len = std::min(W - c, kc - k);
          const int s = t + direction * tap_shift(*d, j);
          if (s >= 0 && s < T) {
            const float* src = seq + (static_cast<idx>(b) * T + s) * W + c;
            for (int q = 0; q < len; ++q) dst[static_cast<idx>(k + q) * MR] = src[q];
          } else {
            for (int q = 0; q < len; ++q) dst[static_cast<idx>(k + q) * MR] = 0.f;
          }
          k += len;
          p += len;
        }
      }
      out += static_cast<idx>(kc) * MR;
    }
  }
};

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

}  // namespace

void conv_forward_rows(const ConvDims& d, const float* x, const float* w, const float* bias, float* y, const RowEpilogue* epilogue) {
  const ShiftedRows rows{x, d.T, d.Cin, &d, -1};
  const PackA pack = [&rows](int i0, int mc, int p0, int kc, float* out) { rows.pack(i0, mc, p0, kc, out); };
  // y[BT, Cout] = im2col(x)[BT, K·Cin] · w[K·Cin, Cout] + bias
  gemm_with_packer(d.B * d.T, d.Cout, d.K * d.Cin, pack, w, d.Cout, false, y, d.Cout, false, bias, epilogue);
}

void conv_forward(const ConvDims& d, const float* x, const float* w, const float* bias, float* y) {
  conv_forward_rows(d, x, w, bias, y, nullptr);
}

void conv_backward(const ConvDims& d, const float* x, const float* w, const float* dy, float* dx, float* dw, float* dbias) {
  const idx rows = static_cast<idx>(d.B) * d.T;
  const int KC = d.K * d.Cin;
  gemm(KC, d.Cout, static_cast<int>(rows), im2col_scratch(d, x), KC, true, dy, d.Cout, false, dw, d.Cout, false);
  // dx[b, t] = Σ_j dy[b, t + shift_j] · W_jᵀ: one product of the forward-shifted
  // rows of dy with the taps' transposes stacked, wt[j·Cout + o, c] = w[j·Cin + c, o].
  thread_local std::vector<float> wt;
  wt.resize(static_cast<std::size_t>(d.K) * d.Cout * d.Cin);
  for (int j = 0; j < d.K; ++j) {
    for (int c = 0; c < d.Cin; ++c) {
      const float* src = w + (static_cast<idx>(j) * d.Cin + c) * d.Cout;
      float* dst = wt.data() + static_cast<idx>(j) * d.Cout * d.Cin + c;
      for (int o = 0; o < d.Cout; ++o) dst[static_cast<idx>(o) * d.Cin] = src[o];
    }
  }
  const ShiftedRows dyRows{dy, d.T, d.Cout, &d, +1};
  const PackA pack = [&dyRows](int i0, int mc, int p0, int kc, float* out) { dyRows.pack(i0, mc, p0, kc, out); };
  gemm_with_packer(static_cast<int>(rows), d.Cin, d.K * d.Cout, pack, wt.data(), d.Cin, false, dx, d.Cin, false, nullptr);
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
