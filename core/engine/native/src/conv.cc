// Causal dilated 1-D convolution, forward and backward (TF.js has no gradient
// for dilated convolutions at all). The forward pass and the input gradient
// are each ONE product of depth kernel × channels, whose left operand (the
// im2col matrix of shifted rows) is never written: the GEMM's packing step
// reads every row of it straight from the sequence, at the tap's shift
// (a column matrix would be 50 MB per call at width 512, batch 64, length
// 128; one product per tap re-reads the output K times). The bias is added
// in the product's epilogue. A panel of rows that read only padding (a
// dilated level's first steps; a whole tap once the shift passes T) adds
// nothing, so the product skips it. The weight gradient is one deep product over the
// time steps whose left operand, the transpose of the same implicit matrix,
// is packed from the sequence the same way.
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

  /**
   * A PanelIsZero: whether rows [i0, i0+m) read only padding in every tap of
   * columns [p0, p0+kc). The block's last tap has the smallest shift, so it
   * decides. Rows that cross into the next sequence span every t.
   */
  bool reads_padding(int i0, int m, int p0, int kc) const {
    const int t0 = i0 % T;
    const bool crosses = t0 + m > T;
    const int tmin = crosses ? 0 : t0, tmax = crosses ? T - 1 : t0 + m - 1;
    const int shift = tap_shift(*d, (p0 + kc - 1) / W);
    return direction < 0 ? tmax < shift : tmin + shift >= T;
  }

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
 * The transpose of the forward pass's implicit im2col matrix, [K·Cin, B·T]:
 * row j·Cin + c, column (b, t) is x[b, t − shift_j, c], or 0 where t < shift_j.
 * The weight gradient's left operand, packed straight from x like ShiftedRows
 * (a materialised one was B·T·K·Cin floats written and read back, 50 MB at
 * width 512, batch 64, length 128). A panel's MR rows are MR neighbouring
 * channels, so each depth step of a panel within one tap is MR contiguous
 * floats of one source row.
 */
struct ShiftedColumns {
  const float* x;
  const ConvDims* d;

  /** A PackA: rows [i0, i0+mc) × columns [p0, p0+kc) into MR-row panels [kc][MR], zero-padded. */
  void pack(int i0, int mc, int p0, int kc, float* out) const {
    const int MR = gemm_mr(), C = d->Cin, T = d->T;
    std::vector<int> shift(MR), channel(MR);
    for (int ir = 0; ir < mc; ir += MR, out += static_cast<idx>(kc) * MR) {
      const int m = std::min(MR, mc - ir), first = i0 + ir;
      const int j0 = first / C, c0 = first % C;
      int b = p0 / T, t = p0 % T;
      if (m == MR && c0 + MR <= C) {
        // One tap: every depth step copies MR floats of source row (b, t − shift), or zeros in the padding.
        const int s0 = tap_shift(*d, j0);
        for (int k = 0; k < kc; ++k) {
          float* dst = out + static_cast<idx>(k) * MR;
          if (t >= s0) std::memcpy(dst, x + (static_cast<idx>(b) * T + t - s0) * C + c0, MR * sizeof(float));
          else std::memset(dst, 0, MR * sizeof(float));
          if (++t == T) {
            t = 0;
            ++b;
          }
        }
        continue;
      }
      // A panel that crosses into the next tap, or the last, short one: row by row.
      for (int r = 0; r < MR; ++r) {
        shift[r] = r < m ? tap_shift(*d, (first + r) / C) : -1;
        channel[r] = (first + r) % C;
      }
      for (int k = 0; k < kc; ++k) {
        float* dst = out + static_cast<idx>(k) * MR;
        const float* row = x + (static_cast<idx>(b) * T + t) * C;
        for (int r = 0; r < MR; ++r) dst[r] = shift[r] >= 0 && t >= shift[r] ? row[channel[r] - static_cast<idx>(shift[r]) * C] : 0.f;
        if (++t == T) {
          t = 0;
          ++b;
        }
      }
    }
  }
};

}  // namespace

void conv_forward_rows(const ConvDims& d, const float* x, const float* w, const float* bias, float* y, const RowEpilogue* epilogue) {
  const ShiftedRows rows{x, d.T, d.Cin, &d, -1};
  const PackA pack = [&rows](int i0, int mc, int p0, int kc, float* out) { rows.pack(i0, mc, p0, kc, out); };
  const PanelIsZero padding = [&rows](int i0, int m, int p0, int kc) { return rows.reads_padding(i0, m, p0, kc); };
  // y[BT, Cout] = im2col(x)[BT, K·Cin] · w[K·Cin, Cout] + bias
  gemm_with_packer(d.B * d.T, d.Cout, d.K * d.Cin, pack, w, d.Cout, false, y, d.Cout, false, bias, epilogue, &padding);
}

void conv_forward(const ConvDims& d, const float* x, const float* w, const float* bias, float* y) {
  conv_forward_rows(d, x, w, bias, y, nullptr);
}

void conv_backward(const ConvDims& d, const float* x, const float* w, const float* dy, float* dx, float* dw, float* dbias) {
  const idx rows = static_cast<idx>(d.B) * d.T;
  const int KC = d.K * d.Cin;
  // dw[K·Cin, Cout] = im2col(x)ᵀ[K·Cin, B·T] · dy[B·T, Cout]: one product over every time step, its left operand packed from x.
  const ShiftedColumns xCols{x, &d};
  const PackA packX = [&xCols](int i0, int mc, int p0, int kc, float* out) { xCols.pack(i0, mc, p0, kc, out); };
  gemm_with_packer(KC, d.Cout, static_cast<int>(rows), packX, dy, d.Cout, false, dw, d.Cout, false, nullptr);
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
  const PanelIsZero padding = [&dyRows](int i0, int m, int p0, int kc) { return dyRows.reads_padding(i0, m, p0, kc); };
  gemm_with_packer(static_cast<int>(rows), d.Cin, d.K * d.Cout, pack, wt.data(), d.Cin, false, dx, d.Cin, false, nullptr, nullptr, &padding);
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
