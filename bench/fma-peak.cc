// The core's single-precision FMA peak as the GEMM's micro-kernel sees it:
// gemm.cc's own micro_kernel (this file includes its source to reach it),
// called over one A panel and one B panel that stay in L1, accumulating into
// one C tile, so that nothing but the FMA units limits it. docs/benchmarks.md
// compares the convolutions' GFLOP/s (bench/native-conv-speed.mjs) against it.
// Build and run with the addon's own flags:
//   g++ -O3 -march=native -std=c++17 -pthread bench/fma-peak.cc -o /tmp/fma-peak && /tmp/fma-peak
#include "../core/engine/native/src/gemm.cc"

#include <chrono>
#include <cstdio>

int main() {
  using namespace sk;
  constexpr int kc = 256, calls = 200000;
  static float A[MR * kc], B[NR * kc], C[MR * NR];
  for (int i = 0; i < MR * kc; ++i) A[i] = 1e-3f * (i % 97);
  for (int i = 0; i < NR * kc; ++i) B[i] = 1e-3f;
  for (int round = 0; round < 3; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < calls; ++r) micro_kernel(kc, A, B, C, NR, MR, NR, true);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"simd\": \"%s\", \"tile\": \"%dx%d\", \"gflops\": %.1f, \"check\": %g}\n", simd_width(), MR, NR,
                2.0 * MR * NR * kc * calls / s / 1e9, C[0]);
  }
}
