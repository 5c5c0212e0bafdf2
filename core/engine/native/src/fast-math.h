// Branch-free exp / sigmoid / tanh over whole rows, eight lanes at a time with
// GCC/Clang vector extensions (libm's expf and tanhf are scalar calls, and
// at hidden 128 they were most of an LSTM step; the compiler does not
// vectorise them, nor a scalar version with selects, by itself). exp is
// Cephes' expf: range reduction by ln 2 in two parts and a degree-6
// polynomial, relative error about 1e-7 over the clamped range. tanh is
// 1 − 2/(1 + e^{2x}): near 0 its relative precision drops, its absolute error
// stays near 1e-7.
#pragma once
#include <cstdint>
#include <cstring>

namespace sk {

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));

inline f8 exp8(f8 x) {
  const f8 lo = f8{} - 87.3f, hi = f8{} + 88.3f;
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  // n = floor(x·log2 e + 1/2)
  const f8 fx = x * 1.44269504088896341f + 0.5f;
  f8 n = __builtin_convertvector(__builtin_convertvector(fx, i8), f8);
  n = n > fx ? n - 1.f : n;
  const f8 r = x - n * 0.693359375f - n * -2.12194440e-4f;
  f8 p = f8{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  const i8 bits = (__builtin_convertvector(n, i8) + 127) << 23;  // 2^n as float bits
  f8 scale;
  std::memcpy(&scale, &bits, sizeof scale);  // a bit copy, not a pointer cast: that would break strict aliasing
  return p * scale;
}

inline f8 sigmoid8(f8 x) { return 1.f / (1.f + exp8(-x)); }
inline f8 tanh8(f8 x) { return 1.f - 2.f / (1.f + exp8(2.f * x)); }

/** dst[j] = f(src[j]) for j < n (dst may equal src); the tail goes through a zero-padded vector. */
template <typename F>
inline void map_row(const float* src, float* dst, int n, F f) {
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    f8 v;
    std::memcpy(&v, src + j, sizeof v);
    v = f(v);
    std::memcpy(dst + j, &v, sizeof v);
  }
  if (j < n) {
    f8 v{};
    std::memcpy(&v, src + j, (n - j) * sizeof(float));
    v = f(v);
    std::memcpy(dst + j, &v, (n - j) * sizeof(float));
  }
}

inline void sigmoid_row(const float* src, float* dst, int n) { map_row(src, dst, n, sigmoid8); }
inline void tanh_row(const float* src, float* dst, int n) { map_row(src, dst, n, tanh8); }

}  // namespace sk
