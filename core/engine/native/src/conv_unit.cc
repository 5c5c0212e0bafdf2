// A causal convolution with the rest of its unit fused in: the activation (and
// a TCN block's residual add) runs in the product's row epilogue, on each
// block of finished rows while it is still in cache, instead of as separate
// TF.js kernels that each read and write the whole [B, T, C] activation and
// copy it across the wasm boundary. The backward pass turns dout into the
// pre-activation gradient in one pass, then is the plain convolution's.
// Weight norm (w = v·g/‖v‖ per output column) is folded into the kernel the
// product packs: scaling K·Cin·Cout weights costs less than scaling the
// B·T·Cout outputs, and it is the same per-column factor either way.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "conv.h"
#include "fast-math.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

/** dst[j] = f(a[j], b[j]) for j < n, eight lanes at a time (the tail through zero-padded vectors). */
template <typename F>
inline void map2_row(const float* a, const float* b, float* dst, int n, F f) {
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    f8 va, vb;
    std::memcpy(&va, a + j, sizeof va);
    std::memcpy(&vb, b + j, sizeof vb);
    const f8 r = f(va, vb);
    std::memcpy(dst + j, &r, sizeof r);
  }
  if (j < n) {
    f8 va{}, vb{};
    std::memcpy(&va, a + j, (n - j) * sizeof(float));
    std::memcpy(&vb, b + j, (n - j) * sizeof(float));
    const f8 r = f(va, vb);
    std::memcpy(dst + j, &r, (n - j) * sizeof(float));
  }
}

/**
 * The weight-normalised kernel w[k, c] = v[k, c]·(g[c]/‖v[:, c]‖) into `w`,
 * and the norms into `norms`. Rounded as the reference (core/ml/models/
 * weight-norm.ts) computes it: the scale g/‖v‖ in float32, then v times it.
 */
void fold_weight_norm(int rows, int cols, const float* v, const float* g, std::vector<float>& w, std::vector<double>& norms) {
  norms.assign(cols, 0.0);
  for (int k = 0; k < rows; ++k) {
    const float* row = v + static_cast<idx>(k) * cols;
    for (int c = 0; c < cols; ++c) norms[c] += static_cast<double>(row[c]) * row[c];
  }
  std::vector<float> scale(cols);
  for (int c = 0; c < cols; ++c) {
    norms[c] = std::sqrt(norms[c]);
    scale[c] = static_cast<float>(g[c] / static_cast<float>(norms[c]));
  }
  w.resize(static_cast<std::size_t>(rows) * cols);
  for (int k = 0; k < rows; ++k) {
    const float* src = v + static_cast<idx>(k) * cols;
    float* dst = w.data() + static_cast<idx>(k) * cols;
    for (int c = 0; c < cols; ++c) dst[c] = src[c] * scale[c];
  }
}

/** out rows [i0, i0+m) = act(z rows), z rows final (bias added). */
void activate_rows(const ConvDims& d, const ConvUnit& u, const float* z, float* out, int i0, int m) {
  const int width = conv_unit_width(u.act, d.Cout);
  for (int r = i0; r < i0 + m; ++r) {
    const float* zr = z + static_cast<idx>(r) * d.Cout;
    float* o = out + static_cast<idx>(r) * width;
    switch (u.act) {
      case kConvRelu:
        if (u.skip) {
          const float* s = u.skip + static_cast<idx>(r) * d.Cout;
          for (int j = 0; j < width; ++j) o[j] = std::max(std::max(zr[j], 0.f) + s[j], 0.f);
        } else {
          for (int j = 0; j < width; ++j) o[j] = std::max(zr[j], 0.f);
        }
        break;
      case kConvGlu:
        map2_row(zr, zr + width, o, width, [](f8 a, f8 g) { return a * sigmoid8(g); });
        break;
      case kConvGatedTanh:
        map2_row(zr, zr + width, o, width, [](f8 f, f8 g) { return tanh8(f) * sigmoid8(g); });
        break;
    }
  }
}

/** dz rows [r0, r1) (and dskip) from dout, the cached z and out. */
void pre_activation_grad(const ConvDims& d, const ConvUnit& u, const float* z, const float* out, const float* dout, float* dz, float* dskip,
                         int r0, int r1) {
  const int width = conv_unit_width(u.act, d.Cout);
  for (int r = r0; r < r1; ++r) {
    const float* dor = dout + static_cast<idx>(r) * width;
    float* dzr = dz + static_cast<idx>(r) * d.Cout;
    if (u.act == kConvRelu) {
      const float* o = out + static_cast<idx>(r) * width;
      if (u.skip) {
        const float* zr = z + static_cast<idx>(r) * d.Cout;
        float* ds = dskip + static_cast<idx>(r) * d.Cout;
        for (int j = 0; j < width; ++j) {
          ds[j] = o[j] > 0.f ? dor[j] : 0.f;
          dzr[j] = zr[j] > 0.f ? ds[j] : 0.f;
        }
      } else {
        for (int j = 0; j < width; ++j) dzr[j] = o[j] > 0.f ? dor[j] : 0.f;
      }
      continue;
    }
    const float* za = z + static_cast<idx>(r) * d.Cout;
    const float* zg = za + width;
    const bool gated = u.act == kConvGatedTanh;
    // first half: d/da of a·σ(g) is σ(g); of tanh(f)·σ(g) it is σ(g)·(1 − tanh²f)
    map2_row(za, zg, dzr, width, [gated](f8 a, f8 g) {
      const f8 s = sigmoid8(g);
      if (!gated) return s;
      const f8 t = tanh8(a);
      return s * (1.f - t * t);
    });
    // second half: d/dg is act(a)·σ(g)·(1 − σ(g))
    map2_row(za, zg, dzr + width, width, [gated](f8 a, f8 g) {
      const f8 s = sigmoid8(g);
      return (gated ? tanh8(a) : a) * s * (1.f - s);
    });
    for (int j = 0; j < width; ++j) {
      dzr[j] *= dor[j];
      dzr[width + j] *= dor[j];
    }
  }
}

}  // namespace

void conv_unit_forward(const ConvDims& d, const ConvUnit& u, const float* x, const float* w, const float* bias, float* z, float* out) {
  thread_local std::vector<float> folded;
  thread_local std::vector<double> norms;
  const float* kernel = w;
  if (u.g) {
    fold_weight_norm(d.K * d.Cin, d.Cout, w, u.g, folded, norms);
    kernel = folded.data();
  }
  // ReLU without a skip needs no z: the product lands in out and is rectified in place.
  float* product = conv_unit_keeps_z(u) ? z : out;
  const RowEpilogue epilogue = [&](int i0, int m) { activate_rows(d, u, product, out, i0, m); };
  conv_forward_rows(d, x, kernel, bias, product, &epilogue);
}

void conv_unit_backward(const ConvDims& d, const ConvUnit& u, const float* x, const float* w, const float* z, const float* out,
                        const float* dout, float* dx, float* dw, float* dg, float* dbias, float* dskip) {
  const int rows = d.B * d.T;
  thread_local std::vector<float> dz, folded;
  thread_local std::vector<double> norms;
  dz.resize(static_cast<std::size_t>(rows) * d.Cout);
  float* dzp = dz.data();
  parallel_parts([&](int part, int parts) {
    int r0, r1;
    split_range(rows, part, parts, 8, r0, r1);
    pre_activation_grad(d, u, z, out, dout, dzp, dskip, r0, r1);
  });
  const float* kernel = w;
  if (u.g) {
    fold_weight_norm(d.K * d.Cin, d.Cout, w, u.g, folded, norms);
    kernel = folded.data();
  }
  conv_backward(d, x, kernel, dzp, dx, dw, dbias);
  if (!u.g) return;
  // dw holds G = ∂L/∂w. With w = v·s, s = g/‖v‖: ∂L/∂g = ⟨G, v⟩/‖v‖ and
  // ∂L/∂v = s·G − (s·∂L/∂g/‖v‖)·v, per column.
  const int KC = d.K * d.Cin;
  std::vector<double> dot(d.Cout, 0.0);
  for (int k = 0; k < KC; ++k) {
    const float* G = dw + static_cast<idx>(k) * d.Cout;
    const float* v = w + static_cast<idx>(k) * d.Cout;
    for (int c = 0; c < d.Cout; ++c) dot[c] += static_cast<double>(G[c]) * v[c];
  }
  std::vector<double> s(d.Cout), shrink(d.Cout);
  for (int c = 0; c < d.Cout; ++c) {
    const double n = norms[c];
    dg[c] = static_cast<float>(dot[c] / n);
    s[c] = u.g[c] / n;
    shrink[c] = s[c] * (dot[c] / n) / n;
  }
  for (int k = 0; k < KC; ++k) {
    float* G = dw + static_cast<idx>(k) * d.Cout;
    const float* v = w + static_cast<idx>(k) * d.Cout;
    for (int c = 0; c < d.Cout; ++c) G[c] = static_cast<float>(s[c] * G[c] - shrink[c] * v[c]);
  }
}

}  // namespace sk
