// Node-API bindings of the fused kernels (ABI-stable: the same binary loads in
// Node and in Electron). Every function takes whole numbers for the shapes,
// then Float32Arrays whose lengths are checked against those shapes before
// any kernel runs (a wrong length would otherwise read or write out of
// bounds), and returns new Float32Arrays. Errors become JS exceptions that
// name the argument.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "gemm.h"
#include "kernels.h"
#include "napi-args.h"
#include "train-step.h"

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace {

using sk::ArgError;
using sk::Args;
using sk::check;
using sk::guarded;

/** New Float32Arrays of the given lengths, returned to JS as an array. */
class Outputs {
 public:
  Outputs(napi_env env, std::initializer_list<std::size_t> lengths) : env_(env) {
    check(napi_create_array_with_length(env, lengths.size(), &array_), "create_array");
    uint32_t k = 0;
    for (std::size_t n : lengths) {
      void* data;
      napi_value buffer, typed;
      check(napi_create_arraybuffer(env, n * sizeof(float), &data, &buffer), "create_arraybuffer");
      check(napi_create_typedarray(env, napi_float32_array, n, buffer, 0, &typed), "create_typedarray");
      check(napi_set_element(env, array_, k++, typed), "set_element");
      ptrs_.push_back(static_cast<float*>(data));
    }
  }
  float* operator[](std::size_t i) const { return ptrs_[i]; }
  napi_value value() const { return array_; }

 private:
  napi_env env_;
  napi_value array_;
  std::vector<float*> ptrs_;
};

typedef std::size_t sz;

sk::SeqDims seq_dims(Args& a) {
  return {a.integer(0, "batch"), a.integer(1, "time"), a.integer(2, "inputSize"), a.integer(3, "hiddenSize", 1)};
}

napi_value Threads(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value v;
    check(napi_create_int32(env, sk::pool_threads(), &v), "create_int32");
    return v;
  });
}

// simd() -> the vector width the GEMM micro-kernel runs at ("avx512", "avx2",
// "neon", or "portable"; a portable x86-64 build that picked its AVX2 clone at
// load says "avx2 (portable build)").
napi_value Simd(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    const std::string name = sk::simd_width();
    napi_value v;
    check(napi_create_string_utf8(env, name.data(), name.size(), &v), "create_string_utf8");
    return v;
  });
}

// matmul(M, N, K, A, transA, B, transB) -> [C]
napi_value Matmul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 7, "matmul");
    const int M = a.integer(0, "M"), N = a.integer(1, "N"), K = a.integer(2, "K");
    const bool ta = a.flag(4, "transA"), tb = a.flag(6, "transB");
    const float* A = a.floats(3, "A", sz(M) * K);
    const float* B = a.floats(5, "B", sz(K) * N);
    Outputs out(env, {sz(M) * N});
    sk::gemm(M, N, K, A, ta ? M : K, ta, B, tb ? K : N, tb, out[0], N, false);
    return out.value();
  });
}

// lstmForward(B, T, I, H, x, W, U, b, h0, c0) -> [hs, cT, gates, cs]
napi_value LstmForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 10, "lstmForward");
    const sk::SeqDims d = seq_dims(a);
    const sz BT = sz(d.B) * d.T, H = d.H;
    const float* x = a.floats(4, "x", BT * d.I);
    const float* W = a.floats(5, "kernel", sz(d.I) * 4 * H);
    const float* U = a.floats(6, "recurrentKernel", H * 4 * H);
    const float* b = a.floats(7, "bias", 4 * H);
    const float* h0 = a.floats(8, "h0", sz(d.B) * H);
    const float* c0 = a.floats(9, "c0", sz(d.B) * H);
    Outputs out(env, {BT * H, sz(d.B) * H, BT * 4 * H, BT * H});
    sk::lstm_forward(d, x, W, U, b, h0, c0, out[0], out[1], out[2], out[3]);
    return out.value();
  });
}

// lstmBackward(B, T, I, H, x, W, U, h0, c0, gates, cs, hs, dhs, dcT) -> [dx, dW, dU, db, dh0, dc0]
napi_value LstmBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 14, "lstmBackward");
    const sk::SeqDims d = seq_dims(a);
    const sz BT = sz(d.B) * d.T, H = d.H, BH = sz(d.B) * H;
    const float* x = a.floats(4, "x", BT * d.I);
    const float* W = a.floats(5, "kernel", sz(d.I) * 4 * H);
    const float* U = a.floats(6, "recurrentKernel", H * 4 * H);
    const float* h0 = a.floats(7, "h0", BH);
    const float* c0 = a.floats(8, "c0", BH);
    const float* gates = a.floats(9, "gates", BT * 4 * H);
    const float* cs = a.floats(10, "cs", BT * H);
    const float* hs = a.floats(11, "hs", BT * H);
    const float* dhs = a.floats(12, "dhs", BT * H);
    const float* dcT = a.floats(13, "dcT", BH);
    Outputs out(env, {BT * d.I, sz(d.I) * 4 * H, H * 4 * H, 4 * H, BH, BH});
    sk::lstm_backward(d, x, W, U, h0, c0, gates, cs, hs, dhs, dcT, out[0], out[1], out[2], out[3], out[4], out[5]);
    return out.value();
  });
}

// gruForward(B, T, I, H, x, W, U, bias, h0) -> [hs, cache]
napi_value GruForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9, "gruForward");
    const sk::SeqDims d = seq_dims(a);
    const sz BT = sz(d.B) * d.T, H = d.H;
    const float* x = a.floats(4, "x", BT * d.I);
    const float* W = a.floats(5, "kernel", sz(d.I) * 3 * H);
    const float* U = a.floats(6, "recurrentKernel", H * 3 * H);
    const float* bias = a.floats(7, "bias", 6 * H);
    const float* h0 = a.floats(8, "h0", sz(d.B) * H);
    Outputs out(env, {BT * H, BT * 4 * H});
    sk::gru_forward(d, x, W, U, bias, h0, out[0], out[1]);
    return out.value();
  });
}

// gruBackward(B, T, I, H, x, W, U, h0, hs, cache, dhs) -> [dx, dW, dU, dbias, dh0]
napi_value GruBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 11, "gruBackward");
    const sk::SeqDims d = seq_dims(a);
    const sz BT = sz(d.B) * d.T, H = d.H, BH = sz(d.B) * H;
    const float* x = a.floats(4, "x", BT * d.I);
    const float* W = a.floats(5, "kernel", sz(d.I) * 3 * H);
    const float* U = a.floats(6, "recurrentKernel", H * 3 * H);
    const float* h0 = a.floats(7, "h0", BH);
    const float* hs = a.floats(8, "hs", BT * H);
    const float* cache = a.floats(9, "cache", BT * 4 * H);
    const float* dhs = a.floats(10, "dhs", BT * H);
    Outputs out(env, {BT * d.I, sz(d.I) * 3 * H, H * 3 * H, 6 * H, BH});
    sk::gru_backward(d, x, W, U, h0, hs, cache, dhs, out[0], out[1], out[2], out[3], out[4]);
    return out.value();
  });
}

// rnnForward(B, T, I, H, x, W, U, b, h0) -> [hs]
napi_value RnnForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9, "rnnForward");
    const sk::SeqDims d = seq_dims(a);
    const sz BT = sz(d.B) * d.T, H = d.H;
    const float* x = a.floats(4, "x", BT * d.I);
    const float* W = a.floats(5, "kernel", sz(d.I) * H);
    const float* U = a.floats(6, "recurrentKernel", H * H);
    const float* b = a.floats(7, "bias", H);
    const float* h0 = a.floats(8, "h0", sz(d.B) * H);
    Outputs out(env, {BT * H});
    sk::rnn_forward(d, x, W, U, b, h0, out[0]);
    return out.value();
  });
}

// rnnBackward(B, T, I, H, x, W, U, h0, hs, dhs) -> [dx, dW, dU, db, dh0]
napi_value RnnBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 10, "rnnBackward");
    const sk::SeqDims d = seq_dims(a);
    const sz BT = sz(d.B) * d.T, H = d.H, BH = sz(d.B) * H;
    const float* x = a.floats(4, "x", BT * d.I);
    const float* W = a.floats(5, "kernel", sz(d.I) * H);
    const float* U = a.floats(6, "recurrentKernel", H * H);
    const float* h0 = a.floats(7, "h0", BH);
    const float* hs = a.floats(8, "hs", BT * H);
    const float* dhs = a.floats(9, "dhs", BT * H);
    Outputs out(env, {BT * d.I, sz(d.I) * H, H * H, H, BH});
    sk::rnn_backward(d, x, W, U, h0, hs, dhs, out[0], out[1], out[2], out[3], out[4]);
    return out.value();
  });
}

sk::ConvDims conv_dims(Args& a) {
  return {a.integer(0, "batch"), a.integer(1, "time"), a.integer(2, "inChannels", 1), a.integer(3, "outChannels", 1), a.integer(4, "kernelSize", 1),
          a.integer(5, "dilation", 1)};
}

// convForward(B, T, Cin, Cout, K, D, x, w, bias) -> [y]
napi_value ConvForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9, "convForward");
    const sk::ConvDims d = conv_dims(a);
    const sz BT = sz(d.B) * d.T;
    const float* x = a.floats(6, "x", BT * d.Cin);
    const float* w = a.floats(7, "w", sz(d.K) * d.Cin * d.Cout);
    const float* bias = a.floats(8, "bias", d.Cout);
    Outputs out(env, {BT * d.Cout});
    sk::conv_forward(d, x, w, bias, out[0]);
    return out.value();
  });
}

// convBackward(B, T, Cin, Cout, K, D, x, w, dy) -> [dx, dw, dbias]
napi_value ConvBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9, "convBackward");
    const sk::ConvDims d = conv_dims(a);
    const sz BT = sz(d.B) * d.T;
    const float* x = a.floats(6, "x", BT * d.Cin);
    const float* w = a.floats(7, "w", sz(d.K) * d.Cin * d.Cout);
    const float* dy = a.floats(8, "dy", BT * d.Cout);
    Outputs out(env, {BT * d.Cin, sz(d.K) * d.Cin * d.Cout, sz(d.Cout)});
    sk::conv_backward(d, x, w, dy, out[0], out[1], out[2]);
    return out.value();
  });
}

// softmaxCrossEntropy(rows, V, logits, targets) -> [loss (1 value), grad [rows, V]]
napi_value SoftmaxCrossEntropy(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4, "softmaxCrossEntropy");
    const int rows = a.integer(0, "rows"), V = a.integer(1, "classes", 1);
    const float* logits = a.floats(2, "logits", sz(rows) * V);
    const int32_t* targets = a.indices(3, "targets", sz(rows), V);
    Outputs out(env, {1, sz(rows) * V});
    out[0][0] = sk::softmax_cross_entropy(rows, V, logits, targets, out[1]);
    return out.value();
  });
}

/** Throws unless the n-float buffers a and b are disjoint (an in-place update through overlapping views would read its own writes). */
void check_disjoint(const char* fn, const char* na, const float* a, const char* nb, const float* b, std::size_t n) {
  if (n > 0 && a < b + n && b < a + n) throw ArgError(std::string(fn) + ": " + na + " and " + nb + " overlap");
}

// adamUpdate(w, m, v, g, beta1, beta2, epsilon, stepSize) -> undefined; w, m and v are updated in place.
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, 8, "adamUpdate");
    const std::size_t n = a.float_count(0, "w");
    float* w = a.writable_floats(0, "w", n);
    float* m = a.writable_floats(1, "m", n);
    float* v = a.writable_floats(2, "v", n);
    const float* g = a.floats(3, "g", n);
    check_disjoint("adamUpdate", "w", w, "m", m, n);
    check_disjoint("adamUpdate", "w", w, "v", v, n);
    check_disjoint("adamUpdate", "m", m, "v", v, n);
    check_disjoint("adamUpdate", "w", w, "g", g, n);
    check_disjoint("adamUpdate", "m", m, "g", g, n);
    check_disjoint("adamUpdate", "v", v, "g", g, n);
    const double beta1 = a.number(4, "beta1"), beta2 = a.number(5, "beta2");
    // 1 − β is taken in double and then rounded, as the reference's tf.mul(g, 1 − beta1) does.
    const sk::AdamConstants c{static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(1 - beta1), static_cast<float>(1 - beta2),
                              static_cast<float>(a.number(6, "epsilon")), static_cast<float>(a.number(7, "stepSize"))};
    sk::adam_update(n, w, m, v, g, c);
    return nullptr;
  });
}

// sgdUpdate(w, g, lr) -> undefined; w is updated in place.
napi_value SgdUpdate(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args a(env, info, 3, "sgdUpdate");
    const std::size_t n = a.float_count(0, "w");
    float* w = a.writable_floats(0, "w", n);
    const float* g = a.floats(1, "g", n);
    check_disjoint("sgdUpdate", "w", w, "g", g, n);
    sk::sgd_update(n, w, g, static_cast<float>(a.number(2, "lr")));
    return nullptr;
  });
}

// sumOfSquares(x) -> number: Σ x² accumulated in double.
napi_value SumOfSquares(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 1, "sumOfSquares");
    const std::size_t n = a.float_count(0, "x");
    napi_value v;
    check(napi_create_double(env, sk::sum_of_squares(n, a.floats(0, "x", n)), &v), "create_double");
    return v;
  });
}

// --- convolution units (conv_unit.cc) ----------------------------------------
// An empty Float32Array stands for an absent optional input or output.

sk::ConvActivation conv_activation(Args& a, std::size_t i) {
  const int act = a.integer(i, "activation");
  if (act > sk::kConvGatedTanh) throw ArgError("activation must be 0 (relu), 1 (glu) or 2 (gated tanh)");
  return static_cast<sk::ConvActivation>(act);
}

/** The unit's shape checks: a gated unit's Cout is its two halves; a skip only with relu. */
void check_conv_unit(const sk::ConvDims& d, sk::ConvActivation act, bool skip, const char* fn) {
  if (act != sk::kConvRelu && d.Cout % 2 != 0) throw ArgError(std::string(fn) + ": a gated unit needs an even outChannels (two halves)");
  if (skip && act != sk::kConvRelu) throw ArgError(std::string(fn) + ": a skip input is fused with relu only");
}

/** Argument i: a Float32Array of `length`, or an empty one (null). */
const float* optional_floats(Args& a, std::size_t i, const char* name, std::size_t length) {
  return a.float_count(i, name) == 0 ? nullptr : a.floats(i, name, length);
}

// convUnitForward(B, T, Cin, Cout, K, D, activation, x, w, g, bias, skip) -> [out, z]
// g: empty unless weight-normalised (w is then v); skip: empty or [B·T·Cout]; z: empty when not needed backwards.
napi_value ConvUnitForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 12, "convUnitForward");
    const sk::ConvDims d = conv_dims(a);
    const sz BT = sz(d.B) * d.T;
    const sk::ConvActivation act = conv_activation(a, 6);
    const float* x = a.floats(7, "x", BT * d.Cin);
    const float* w = a.floats(8, "w", sz(d.K) * d.Cin * d.Cout);
    const float* g = optional_floats(a, 9, "g", d.Cout);
    const float* bias = a.floats(10, "bias", d.Cout);
    const float* skip = optional_floats(a, 11, "skip", BT * d.Cout);
    check_conv_unit(d, act, skip != nullptr, "convUnitForward");
    const sk::ConvUnit u{act, g, skip};
    Outputs out(env, {BT * sk::conv_unit_width(act, d.Cout), sk::conv_unit_keeps_z(u) ? BT * d.Cout : 0});
    sk::conv_unit_forward(d, u, x, w, bias, sk::conv_unit_keeps_z(u) ? out[1] : nullptr, out[0]);
    return out.value();
  });
}

// convUnitBackward(B, T, Cin, Cout, K, D, activation, x, w, g, hasSkip, z, out, dout) -> [dx, dw, dg, dbias, dskip]
// dw is ∂/∂v when weight-normalised; dg and dskip are empty when g or the skip was absent.
napi_value ConvUnitBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 14, "convUnitBackward");
    const sk::ConvDims d = conv_dims(a);
    const sz BT = sz(d.B) * d.T;
    const sk::ConvActivation act = conv_activation(a, 6);
    const float* x = a.floats(7, "x", BT * d.Cin);
    const float* w = a.floats(8, "w", sz(d.K) * d.Cin * d.Cout);
    const float* g = optional_floats(a, 9, "g", d.Cout);
    const bool hasSkip = a.flag(10, "hasSkip");
    check_conv_unit(d, act, hasSkip, "convUnitBackward");
    // A non-null stand-in for the skip: the backward pass reads only whether there was one.
    const sk::ConvUnit u{act, g, hasSkip ? x : nullptr};
    const sz width = sz(sk::conv_unit_width(act, d.Cout));
    const float* z = sk::conv_unit_keeps_z(u) ? a.floats(11, "z", BT * d.Cout) : nullptr;
    const float* outv = a.floats(12, "out", BT * width);
    const float* dout = a.floats(13, "dout", BT * width);
    Outputs out(env, {BT * d.Cin, sz(d.K) * d.Cin * d.Cout, g ? sz(d.Cout) : 0, sz(d.Cout), hasSkip ? BT * d.Cout : 0});
    sk::conv_unit_backward(d, u, x, w, z, outv, dout, out[0], out[1], out[2], out[3], out[4]);
    return out.value();
  });
}

// --- stderr capture --------------------------------------------------------
// Not a kernel: Dawn (WebGPU) and the GPU drivers under it print start-up
// messages straight to file descriptor 2 from C++, where no JS stream can
// catch them. captureStderrStart() points fd 2 at a temporary file;
// captureStderrStop() points it back and returns what was written meanwhile.
// fd 2 belongs to the whole process, so overlapping captures (two threads)
// share one: the first start redirects, the last stop restores and gets the text.

#ifdef _WIN32
int fd_dup(int fd) { return _dup(fd); }
int fd_dup2(int from, int to) { return _dup2(from, to); }
int fd_close(int fd) { return _close(fd); }
int fd_of(std::FILE* f) { return _fileno(f); }
#else
int fd_dup(int fd) { return dup(fd); }
int fd_dup2(int from, int to) { return dup2(from, to); }
int fd_close(int fd) { return close(fd); }
int fd_of(std::FILE* f) { return fileno(f); }
#endif

std::mutex capture_mutex;
int capture_depth = 0;
int saved_stderr = -1;
std::FILE* capture_file = nullptr;
constexpr long kCaptureLimit = 64 * 1024;  // Dawn's messages are a few lines; keep a runaway log bounded

// captureStderrStart() -> undefined
napi_value CaptureStderrStart(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    std::lock_guard<std::mutex> lock(capture_mutex);
    if (capture_depth++ > 0) return nullptr;
    std::fflush(stderr);
    std::FILE* f = std::tmpfile();
    const int saved = f ? fd_dup(2) : -1;
    if (!f || saved < 0 || fd_dup2(fd_of(f), 2) < 0) {
      if (saved >= 0) fd_close(saved);
      if (f) std::fclose(f);
      capture_depth = 0;
      throw std::runtime_error("captureStderrStart: could not redirect stderr to a temporary file");
    }
    capture_file = f;
    saved_stderr = saved;
    return nullptr;
  });
}

// captureStderrStop() -> string: what reached fd 2 since the matching start ("" while an outer capture continues)
napi_value CaptureStderrStop(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    std::string text;
    {
      std::lock_guard<std::mutex> lock(capture_mutex);
      if (capture_depth > 0 && --capture_depth == 0) {
        std::fflush(stderr);
        fd_dup2(saved_stderr, 2);
        fd_close(saved_stderr);
        saved_stderr = -1;
        std::fseek(capture_file, 0, SEEK_END);
        const long size = std::ftell(capture_file);
        const long keep = size < kCaptureLimit ? size : kCaptureLimit;
        std::fseek(capture_file, size - keep, SEEK_SET);  // the tail holds the latest (most telling) lines
        text.resize(keep > 0 ? static_cast<std::size_t>(keep) : 0);
        text.resize(std::fread(text.data(), 1, text.size(), capture_file));
        std::fclose(capture_file);
        capture_file = nullptr;
      }
    }
    napi_value v;
    check(napi_create_string_utf8(env, text.data(), text.size(), &v), "create_string_utf8");
    return v;
  });
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"simd", nullptr, Simd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"lstmForward", nullptr, LstmForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"lstmBackward", nullptr, LstmBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gruForward", nullptr, GruForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gruBackward", nullptr, GruBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"rnnForward", nullptr, RnnForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"rnnBackward", nullptr, RnnBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"convForward", nullptr, ConvForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"convBackward", nullptr, ConvBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"softmaxCrossEntropy", nullptr, SoftmaxCrossEntropy, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sgdUpdate", nullptr, SgdUpdate, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sumOfSquares", nullptr, SumOfSquares, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"captureStderrStart", nullptr, CaptureStderrStart, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"captureStderrStop", nullptr, CaptureStderrStop, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"convUnitForward", nullptr, ConvUnitForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"convUnitBackward", nullptr, ConvUnitBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  sk::register_train_step(env, exports);  // the whole training steps: recurrent, TCN, GCNN and WaveNet (train-step-napi.cc)
  return exports;
}
