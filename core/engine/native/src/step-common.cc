// The parts every whole native training step shares (step-common.h).
#include "step-common.h"

#include <cmath>
#include <cstring>

#include "gemm.h"
#include "kernels.h"

namespace sk {

typedef std::ptrdiff_t idx;

namespace {

/** splitmix64's finaliser: a bijection of 64 bits whose every output bit depends on every input bit. */
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

}  // namespace

void tcn_dropout_forward(uint64_t seed, int unit, double rate, std::size_t n, uint8_t* keep, float* out) {
  const float scale = tcn_dropout_scale(rate);
  over_elements(n, [&](std::size_t k0, std::size_t k1) {
    tcn_dropout_keeps(seed, unit, rate, k0, k1, keep);
    for (std::size_t k = k0; k < k1; ++k) out[k] = keep[k] ? out[k] * scale : 0.f;
  });
}

void tcn_dropout_backward(double rate, std::size_t n, const uint8_t* keep, float* dy) {
  const float scale = tcn_dropout_scale(rate);
  over_elements(n, [&](std::size_t k0, std::size_t k1) {
    for (std::size_t k = k0; k < k1; ++k) dy[k] = keep[k] ? dy[k] * scale : 0.f;
  });
}

void tcn_dropout_keeps(uint64_t seed, int unit, double rate, std::size_t begin, std::size_t end, uint8_t* keep) {
  // splitmix64 from a state of its own per (seed, unit): element k is the stream's (k+1)-th output.
  const uint64_t base = mix64(seed ^ mix64(kGolden * (static_cast<uint64_t>(unit) + 1)));
  for (std::size_t k = begin; k < end; ++k) {
    const uint64_t h = mix64(base + kGolden * (static_cast<uint64_t>(k) + 1));
    const double u = static_cast<double>(h >> 40) * (1.0 / 16777216.0);  // 24 bits: uniform in [0, 1), exact in float32
    keep[k] = u >= rate ? 1 : 0;
  }
}

void tcn_dropout_mask(uint64_t seed, int unit, std::size_t n, double rate, float* out) {
  std::vector<uint8_t> keep(n);
  tcn_dropout_keeps(seed, unit, rate, 0, n, keep.data());
  const float scale = tcn_dropout_scale(rate);
  for (std::size_t k = 0; k < n; ++k) out[k] = keep[k] ? scale : 0.f;
}

void column_sums(const float* m, idx rows, int cols, float* out) {
  std::memset(out, 0, cols * sizeof(float));
  for (idx r = 0; r < rows; ++r) {
    const float* row = m + r * cols;
    for (int j = 0; j < cols; ++j) out[j] += row[j];
  }
}

void input_forward(idx rows, int E, const StepInput& in, const float* inW, const float* inB, float* x) {
  if (in.feats) {
    // A dense map of the features, as the reference's timeDistributedDense: one product, then the bias.
    gemm(int(rows), E, in.width, in.feats, in.width, false, inW, E, false, x, E, false);
    for (idx r = 0; r < rows; ++r) {
      float* xr = x + r * E;
      for (int j = 0; j < E; ++j) xr[j] += inB[j];
    }
    return;
  }
  for (idx r = 0; r < rows; ++r) {
    const float* row = inW + idx(in.ids[r]) * E;
    float* xr = x + r * E;
    for (int j = 0; j < E; ++j) xr[j] = row[j] + inB[j];
  }
}

void input_backward(idx rows, int E, const StepInput& in, const float* dx, float* dInW, float* dInB) {
  if (in.feats) {
    gemm(in.width, E, int(rows), in.feats, in.width, true, dx, E, false, dInW, E, false);  // featsᵀ·dx
  } else {
    std::memset(dInW, 0, std::size_t(in.width) * E * sizeof(float));
    for (idx r = 0; r < rows; ++r) {
      float* row = dInW + idx(in.ids[r]) * E;
      const float* src = dx + r * E;
      for (int j = 0; j < E; ++j) row[j] += src[j];
    }
  }
  column_sums(dx, rows, E, dInB);
}

void gather_halves(std::size_t rows, int H, const float* a, const float* b, float* dst) {
  for (std::size_t r = 0; r < rows; ++r) {
    std::memcpy(dst + r * 2 * H, a + r * H, H * sizeof(float));
    std::memcpy(dst + r * 2 * H + H, b + r * H, H * sizeof(float));
  }
}

void scatter_halves(std::size_t rows, int H, const float* src, float* a, float* b) {
  for (std::size_t r = 0; r < rows; ++r) {
    std::memcpy(a + r * H, src + r * 2 * H, H * sizeof(float));
    std::memcpy(b + r * H, src + r * 2 * H + H, H * sizeof(float));
  }
}

namespace {

/**
 * One position's loss over its V logits z, with its gradient (unweighted) in g: the per-position terms of
 * task-loss.ts positionLoss. y: the position's values [V] (bernoulli, regression); t: its class (categorical).
 */
double position_loss(OutputKind kind, int V, const float* z, const float* y, int32_t t, float* g) {
  switch (kind) {
    case OutputKind::Categorical: {
      float m = z[0];
      for (int j = 1; j < V; ++j) m = z[j] > m ? z[j] : m;
      double s = 0.0;
      for (int j = 0; j < V; ++j) s += g[j] = std::exp(z[j] - m);
      const float inv = static_cast<float>(1.0 / s);
      for (int j = 0; j < V; ++j) g[j] *= inv;
      g[t] -= 1.f;
      return std::log(s) - (z[t] - m);  // −log softmax(z)[t]
    }
    case OutputKind::Bernoulli: {
      double sum = 0.0;
      for (int j = 0; j < V; ++j) {
        const float zj = z[j];
        const float e = std::exp(-std::fabs(zj));  // the stable form: never exp of a positive number
        sum += (zj > 0.f ? zj : 0.f) - zj * y[j] + std::log1p(e);
        const float sigmoid = zj >= 0.f ? 1.f / (1.f + e) : e / (1.f + e);
        g[j] = sigmoid - y[j];
      }
      return sum;
    }
    case OutputKind::Regression: {
      double sum = 0.0;
      const float scale = 2.f / static_cast<float>(V);  // d/dz of the mean of (z − y)²
      for (int j = 0; j < V; ++j) {
        const float d = z[j] - y[j];
        sum += double(d) * d;
        g[j] = scale * d;
      }
      return sum / V;
    }
  }
  return 0.0;
}

}  // namespace

float task_loss(int rows, int V, const float* logits, const StepTargets& t, float* dlogits) {
  if (t.kind == OutputKind::Categorical && !t.mask) return softmax_cross_entropy(rows, V, logits, t.classes, dlogits);
  // The divisor: the positions' count, or the mask's sum (at least 1, so an all-zero mask gives 0, not NaN).
  double denom = rows;
  if (t.mask) {
    double m = 0.0;
    for (int r = 0; r < rows; ++r) m += t.mask[r];
    denom = m > 1.0 ? m : 1.0;
  }
  const float inv = static_cast<float>(1.0 / denom);
  const int parts = pool_threads();
  std::vector<double> partial(parts, 0.0);
  parallel_parts([&](int part, int count) {
    int r0, r1;
    split_range(rows, part, count, 1, r0, r1);
    double sum = 0.0;
    for (int r = r0; r < r1; ++r) {
      const idx at = idx(r) * V;
      const float* y = t.values ? t.values + at : nullptr;
      const int32_t cls = t.classes ? t.classes[r] : 0;
      const double loss = position_loss(t.kind, V, logits + at, y, cls, dlogits + at);
      const float weight = t.mask ? t.mask[r] : 1.f;
      sum += loss * weight;
      const float scale = weight * inv;  // the mean's (or the masked mean's) share of this position
      for (int j = 0; j < V; ++j) dlogits[at + j] *= scale;
    }
    partial[part] = sum;
  });
  double total = 0.0;
  for (double p : partial) total += p;
  return static_cast<float>(total / denom);
}

float readout_loss(int rows, int H, int V, const float* top, const float* outW, const float* outB, const StepTargets& targets, float* logits,
                   float* dlogits, float* dOutW, float* dOutB, float* dtop) {
  gemm(rows, V, H, top, H, false, outW, V, false, logits, V, false);
  for (idx r = 0; r < rows; ++r) {
    float* row = logits + r * V;
    for (int j = 0; j < V; ++j) row[j] += outB[j];
  }
  const float loss = task_loss(rows, V, logits, targets, dlogits);
  gemm(H, V, rows, top, H, true, dlogits, V, false, dOutW, V, false);
  column_sums(dlogits, rows, V, dOutB);
  gemm(rows, H, V, dlogits, V, false, outW, V, true, dtop, H, false);
  return loss;
}

StepResult finish_step(std::size_t P, float* arena, float loss, const StepOptions& o) {
  float* w = arena;
  float* g = arena + P;
  float* m = arena + 2 * P;
  float* v = arena + 3 * P;
  const float norm = static_cast<float>(std::sqrt(sum_of_squares(P, g)));
  StepResult result{loss, norm, std::isfinite(loss) && std::isfinite(norm)};
  if (!result.applied || o.optimizer == 2) return result;
  if (o.clip > 0 && norm > o.clip) {
    // The reference scales by maxNorm/norm taken in double and uploaded as a float32 scalar.
    const float scale = static_cast<float>(o.clip / static_cast<double>(norm));
    for (std::size_t i = 0; i < P; ++i) g[i] = g[i] * scale;
  }
  if (o.optimizer == 0) {
    const AdamConstants c{o.beta1, o.beta2, o.oneMinusBeta1, o.oneMinusBeta2, o.epsilon, o.stepSize};
    adam_update(P, w, m, v, g, c);
  } else {
    sgd_update(P, w, g, o.lr);
  }
  return result;
}

}  // namespace sk
