// The core's single-precision FMA peak as the GEMM's micro-kernel sees it:
// the 6×16 (AVX2) tile loop of core/engine/native/src/gemm.cc (two loads of B,
// six broadcasts of A, twelve FMAs a depth step) over panels that stay in L1,
// so that nothing but the FMA units limits it. docs/benchmarks.md compares the
// convolutions' GFLOP/s (bench/native-conv-speed.mjs) against this figure.
// Build and run with the addon's own flags:
//   g++ -O3 -march=native -std=c++17 bench/fma-peak.cc -o /tmp/fma-peak && /tmp/fma-peak
#include <chrono>
#include <cstdio>
#include <cstring>

typedef float vf __attribute__((vector_size(32)));
static inline vf loadv(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline vf splat(const float* p) { return *p - vf{}; }

/** One 6×16 tile over depth kc (as gemm.cc's micro_kernel), its sum stored so the loop is not optimised away. */
__attribute__((noinline)) static void tile(int kc, const float* Ap, const float* Bp, float* out) {
  vf c00{}, c01{}, c10{}, c11{}, c20{}, c21{}, c30{}, c31{}, c40{}, c41{}, c50{}, c51{};
  for (int k = 0; k < kc; ++k) {
    const vf b0 = loadv(Bp), b1 = loadv(Bp + 8);
    vf a;
    a = splat(Ap + 0); c00 += a * b0; c01 += a * b1;
    a = splat(Ap + 1); c10 += a * b0; c11 += a * b1;
    a = splat(Ap + 2); c20 += a * b0; c21 += a * b1;
    a = splat(Ap + 3); c30 += a * b0; c31 += a * b1;
    a = splat(Ap + 4); c40 += a * b0; c41 += a * b1;
    a = splat(Ap + 5); c50 += a * b0; c51 += a * b1;
    Ap += 6;
    Bp += 16;
  }
  const vf s = c00 + c01 + c10 + c11 + c20 + c21 + c30 + c31 + c40 + c41 + c50 + c51;
  std::memcpy(out, &s, sizeof s);
}

int main() {
  constexpr int KC = 256, CALLS = 200000;
  static float A[6 * KC], B[16 * KC], out[8];
  for (int i = 0; i < 6 * KC; ++i) A[i] = 1e-3f * i;
  for (int i = 0; i < 16 * KC; ++i) B[i] = 1e-3f;
  for (int round = 0; round < 3; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < CALLS; ++r) tile(KC, A, B, out);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"gflops\": %.1f, \"check\": %g}\n", 2.0 * 6 * 16 * KC * CALLS / s / 1e9, out[0]);
  }
}
