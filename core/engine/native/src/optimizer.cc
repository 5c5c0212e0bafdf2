// Optimiser updates and the gradient norm over flat float buffers, in place:
// one pass over a parameter, its gradient and its moments instead of ~12
// TF.js kernels and three fresh tensors. The arithmetic is the reference's
// (core/ml/train/optimizer.ts, clip.ts) in the same order and in float32
// (the build is ISO C++, so no fused multiply-add changes a rounding);
// element-wise, so the result is the same at any thread count.
#include <cmath>
#include <vector>

#include "gemm.h"
#include "kernels.h"

namespace sk {
namespace {

/** Below this many elements one thread is faster than waking the pool. */
constexpr std::size_t kParallelFrom = 1 << 15;

template <typename F>
void for_ranges(std::size_t n, F&& body) {
  if (n < kParallelFrom || pool_threads() == 1) {
    body(std::size_t(0), n);
    return;
  }
  parallel_parts([&](int part, int parts) {
    int b, e;
    // Aligned to 16 floats (a cache line) so two threads never write one line.
    split_range(static_cast<int>(n), part, parts, 16, b, e);
    if (e > b) body(std::size_t(b), std::size_t(e));
  });
}

}  // namespace

void adam_update(std::size_t n, float* w, float* m, float* v, const float* g, const AdamConstants& c) {
  const float b1 = c.beta1, b2 = c.beta2, one_minus_b1 = c.oneMinusBeta1, one_minus_b2 = c.oneMinusBeta2, eps = c.epsilon, step = c.stepSize;
  for_ranges(n, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const float gi = g[i];
      const float mi = m[i] * b1 + gi * one_minus_b1;
      const float vi = v[i] * b2 + (gi * gi) * one_minus_b2;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] - (mi / (std::sqrt(vi) + eps)) * step;
    }
  });
}

void sgd_update(std::size_t n, float* w, const float* g, float lr) {
  for_ranges(n, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) w[i] = w[i] - g[i] * lr;
  });
}

double sum_of_squares(std::size_t n, const float* x) {
  // Partial sums in double, one per part, added in part order: exact to far
  // below float32 rounding, and deterministic for a given thread count.
  std::vector<double> partial(static_cast<std::size_t>(pool_threads()), 0.0);
  if (n < kParallelFrom || pool_threads() == 1) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
    return s;
  }
  parallel_parts([&](int part, int parts) {
    int b, e;
    split_range(static_cast<int>(n), part, parts, 16, b, e);
    double s = 0;
    for (int i = b; i < e; ++i) s += static_cast<double>(x[i]) * x[i];
    partial[part] = s;
  });
  double total = 0;
  for (double s : partial) total += s;
  return total;
}

}  // namespace sk
