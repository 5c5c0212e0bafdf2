// Mean softmax cross-entropy over rows of logits, with its gradient computed
// in the same pass (softmax − one-hot, scaled by 1/rows): the backward pass
// then only scales it by the incoming gradient. Rows are split across threads.
#include <cmath>
#include <vector>

#include "fast-math.h"
#include "gemm.h"
#include "kernels.h"

namespace sk {

float softmax_cross_entropy(int rows, int V, const float* logits, const int32_t* targets, float* grad) {
  const int parts = pool_threads();
  std::vector<double> partial(parts, 0.0);
  const float inv = rows > 0 ? 1.f / static_cast<float>(rows) : 0.f;
  parallel_parts([&](int part, int count) {
    int r0, r1;
    split_range(rows, part, count, 1, r0, r1);
    double sum = 0.0;
    for (int r = r0; r < r1; ++r) {
      const float* z = logits + static_cast<std::ptrdiff_t>(r) * V;
      float* g = grad + static_cast<std::ptrdiff_t>(r) * V;
      float m = z[0];
      for (int j = 1; j < V; ++j) m = z[j] > m ? z[j] : m;
      for (int j = 0; j < V; ++j) g[j] = z[j] - m;
      map_row(g, g, V, exp8);
      float s = 0.f;
      for (int j = 0; j < V; ++j) s += g[j];
      const float logSum = std::log(s);
      const int t = targets[r];
      sum += static_cast<double>(logSum - (z[t] - m));
      const float scale = inv / s;
      for (int j = 0; j < V; ++j) g[j] *= scale;
      g[t] -= inv;
    }
    partial[part] = sum;
  });
  double total = 0.0;
  for (double p : partial) total += p;
  return static_cast<float>(total * inv);
}

}  // namespace sk
