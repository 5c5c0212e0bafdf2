// Whole-sequence LSTM, GRU and RNN passes. Each pass is: one large product for
// the input term of every step at once, a recurrence that walks time with a
// pre-packed recurrent matrix (batch rows split across threads: rows never
// interact, so the threads need no synchronisation per step), then large
// products for the weight gradients over all steps at once. Their large
// intermediates (the input terms, the pre-activation gradients, the previous
// states) live in per-thread scratch that outlives a call: allocating them
// per pass cost a zero fill and fresh pages every step, single-threaded
// (docs/benchmarks.md, "Scratch that outlives a step").
#include <cmath>
#include <cstring>
#include <vector>

#include "fast-math.h"
#include "gemm.h"
#include "kernels.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

/** The intermediates a pass keeps in scratch, one buffer each (forward and backward of one cell may be live together). */
enum Scratch { kInputTerms, kGradInput, kGradRecurrent, kPrevStates, kRecurrentTerms, kScratchCount };

/**
 * At least n floats of this thread's buffer `which`, contents undefined: every
 * user writes each element before reading it. Grown on demand, never shrunk,
 * so a training loop's passes reuse warm pages instead of zero-filling fresh
 * ones. Per thread, because the pool's workers and the callers of separate
 * sessions (worker threads) may run passes at the same time.
 */
float* scratch(Scratch which, std::size_t n) {
  thread_local std::vector<float> buffers[kScratchCount];
  std::vector<float>& v = buffers[which];
  if (v.size() < n) v.resize(n);
  return v.data();
}

/** The recurrent matrix packed for gemm_packed into this thread's reused panel buffer (pack_b, without a fresh allocation per pass). */
const PackedB& packed_recurrent(int K, int N, const float* B, int ldb, bool transB) {
  thread_local PackedB p;
  pack_b_into(p, K, N, B, ldb, transB);
  return p;
}


/** out[j] = Σ_rows m[row, j] for a [rows, cols] matrix, columns split across threads. */
void column_sums(const float* m, idx rows, int cols, float* out) {
  parallel_parts([&](int part, int parts) {
    int c0, c1;
    split_range(cols, part, parts, 16, c0, c1);
    if (c1 <= c0) return;
    std::memset(out + c0, 0, (c1 - c0) * sizeof(float));
    for (idx r = 0; r < rows; ++r) {
      const float* row = m + r * cols;
      for (int c = c0; c < c1; ++c) out[c] += row[c];
    }
  });
}

/** [B·T, H] matrix (in scratch) whose row (b, t) is the state before step t: h0[b] at t = 0, else hs[b, t−1]. */
const float* previous_states(const SeqDims& d, const float* h0, const float* hs) {
  float* prev = scratch(kPrevStates, static_cast<std::size_t>(d.B) * d.T * d.H);
  for (int b = 0; b < d.B; ++b) {
    float* dst = prev + static_cast<idx>(b) * d.T * d.H;
    if (d.T == 0) continue;
    std::memcpy(dst, h0 + static_cast<idx>(b) * d.H, d.H * sizeof(float));
    std::memcpy(dst + d.H, hs + static_cast<idx>(b) * d.T * d.H, static_cast<idx>(d.T - 1) * d.H * sizeof(float));
  }
  return prev;
}

/** Pointer and row stride of the states before step t for batch rows from b0. */
inline const float* prev_rows(const SeqDims& d, const float* h0, const float* hs, int b0, int t, int& ld) {
  if (t == 0) {
    ld = d.H;
    return h0 + static_cast<idx>(b0) * d.H;
  }
  ld = d.T * d.H;
  return hs + (static_cast<idx>(b0) * d.T + t - 1) * d.H;
}

void last_step(const SeqDims& d, const float* seq, const float* init, float* out) {
  for (int b = 0; b < d.B; ++b) {
    const float* src = d.T == 0 ? init + static_cast<idx>(b) * d.H : seq + (static_cast<idx>(b) * d.T + d.T - 1) * d.H;
    std::memcpy(out + static_cast<idx>(b) * d.H, src, d.H * sizeof(float));
  }
}

/** Adds bias[0..G) to every row of a [rows, G] matrix. */
void add_bias(float* m, idx rows, int G, const float* bias) {
  for (idx r = 0; r < rows; ++r) {
    float* row = m + r * G;
    for (int j = 0; j < G; ++j) row[j] += bias[j];
  }
}

/** The gradients every cell shares once dZ (pre-activation gradients of the input and recurrent terms) is known. */
void weight_gradients(const SeqDims& d, int G, const float* x, const float* W, const float* prev, const float* dInput,
                      const float* dRecurrent, float* dx, float* dW, float* dU) {
  const idx rows = static_cast<idx>(d.B) * d.T;
  gemm(d.H, G, rows, prev, d.H, true, dRecurrent, G, false, dU, G, false);
  gemm(d.I, G, rows, x, d.I, true, dInput, G, false, dW, G, false);
  gemm(rows, d.I, G, dInput, G, false, W, G, true, dx, d.I, false);
}

}  // namespace

// ---- LSTM ----------------------------------------------------------------

void lstm_forward(const SeqDims& d, const float* x, const float* W, const float* U, const float* b, const float* h0, const float* c0,
                  float* hs, float* cT, float* gates, float* cs) {
  const int H = d.H, G = 4 * H, T = d.T;
  const idx rows = static_cast<idx>(d.B) * T;
  gemm(rows, G, d.I, x, d.I, false, W, G, false, gates, G, false);
  add_bias(gates, rows, G, b);
  const PackedB& Up = packed_recurrent(H, G, U, G, false);
  parallel_parts([&](int part, int parts) {
    int b0, b1;
    split_range(d.B, part, parts, 1, b0, b1);
    for (int t = 0; t < T && b1 > b0; ++t) {
      int ld;
      const float* hp = prev_rows(d, h0, hs, b0, t, ld);
      gemm_packed(b1 - b0, hp, ld, Up, gates + (static_cast<idx>(b0) * T + t) * G, T * G, true);
      for (int bb = b0; bb < b1; ++bb) {
        const idx r = static_cast<idx>(bb) * T + t;
        float* z = gates + r * G;
        const float* cp = t == 0 ? c0 + static_cast<idx>(bb) * H : cs + (r - 1) * H;
        float* c = cs + r * H;
        float* h = hs + r * H;
        sigmoid_row(z, z, 2 * H);  // i, f
        tanh_row(z + 2 * H, z + 2 * H, H);  // g
        sigmoid_row(z + 3 * H, z + 3 * H, H);  // o
        for (int j = 0; j < H; ++j) c[j] = z[H + j] * cp[j] + z[j] * z[2 * H + j];
        tanh_row(c, h, H);
        for (int j = 0; j < H; ++j) h[j] *= z[3 * H + j];
      }
    }
  });
  last_step(d, cs, c0, cT);
}

void lstm_backward(const SeqDims& d, const float* x, const float* W, const float* U, const float* h0, const float* c0, const float* gates,
                   const float* cs, const float* hs, const float* dhs, const float* dcT, float* dx, float* dW, float* dU,
                   float* db, float* dh0, float* dc0) {
  const int H = d.H, G = 4 * H, T = d.T;
  const idx rows = static_cast<idx>(d.B) * T;
  float* dZ = scratch(kGradInput, static_cast<std::size_t>(rows) * G);
  const PackedB& UT = packed_recurrent(G, H, U, G, true);
  std::memset(dh0, 0, static_cast<idx>(d.B) * H * sizeof(float));  // running dL/dh_t from later steps, ends as dL/dh0
  std::memcpy(dc0, dcT, static_cast<idx>(d.B) * H * sizeof(float));
  parallel_parts([&](int part, int parts) {
    int b0, b1;
    split_range(d.B, part, parts, 1, b0, b1);
    std::vector<float> tcRow(H);
    for (int t = T - 1; t >= 0 && b1 > b0; --t) {
      for (int bb = b0; bb < b1; ++bb) {
        const idx r = static_cast<idx>(bb) * T + t;
        const float* z = gates + r * G;
        const float* c = cs + r * H;
        const float* cp = t == 0 ? c0 + static_cast<idx>(bb) * H : cs + (r - 1) * H;
        const float* dho = dhs + r * H;
        float* dh = dh0 + static_cast<idx>(bb) * H;
        float* dc = dc0 + static_cast<idx>(bb) * H;
        float* dz = dZ + r * G;
        tanh_row(c, tcRow.data(), H);
        for (int j = 0; j < H; ++j) {
          const float i = z[j], f = z[H + j], g = z[2 * H + j], o = z[3 * H + j];
          const float dht = dho[j] + dh[j];
          const float tc = tcRow[j];
          const float dct = dc[j] + dht * o * (1.f - tc * tc);
          dz[j] = dct * g * i * (1.f - i);
          dz[H + j] = dct * cp[j] * f * (1.f - f);
          dz[2 * H + j] = dct * i * (1.f - g * g);
          dz[3 * H + j] = dht * tc * o * (1.f - o);
          dc[j] = dct * f;
        }
      }
      gemm_packed(b1 - b0, dZ + (static_cast<idx>(b0) * T + t) * G, T * G, UT, dh0 + static_cast<idx>(b0) * H, H, false);
    }
  });
  const float* prev = previous_states(d, h0, hs);
  weight_gradients(d, G, x, W, prev, dZ, dZ, dx, dW, dU);
  column_sums(dZ, rows, G, db);
}

// ---- GRU -----------------------------------------------------------------

void gru_forward(const SeqDims& d, const float* x, const float* W, const float* U, const float* bias, const float* h0, float* hs, float* cache) {
  const int H = d.H, G = 3 * H, T = d.T;
  const idx rows = static_cast<idx>(d.B) * T;
  const float* brec = bias + G;
  float* a = scratch(kInputTerms, static_cast<std::size_t>(rows) * G);
  gemm(rows, G, d.I, x, d.I, false, W, G, false, a, G, false);
  add_bias(a, rows, G, bias);
  const PackedB& Up = packed_recurrent(H, G, U, G, false);
  parallel_parts([&](int part, int parts) {
    int b0, b1;
    split_range(d.B, part, parts, 1, b0, b1);
    if (b1 <= b0) return;
    float* rec = scratch(kRecurrentTerms, static_cast<std::size_t>(b1 - b0) * G);
    for (int t = 0; t < T; ++t) {
      int ld;
      const float* hp = prev_rows(d, h0, hs, b0, t, ld);
      gemm_packed(b1 - b0, hp, ld, Up, rec, G, false);
      for (int bb = b0; bb < b1; ++bb) {
        const idx r = static_cast<idx>(bb) * T + t;
        const float* ar = a + r * G;
        const float* rr = rec + static_cast<idx>(bb - b0) * G;
        const float* hprev = hp + static_cast<idx>(bb - b0) * ld;
        float* h = hs + r * H;
        float* cz = cache + r * 4 * H;
        // cache row: z | r | n | rn, activated in place.
        for (int j = 0; j < H; ++j) {
          cz[j] = ar[j] + rr[j] + brec[j];
          cz[H + j] = ar[H + j] + rr[H + j] + brec[H + j];
          cz[3 * H + j] = rr[2 * H + j] + brec[2 * H + j];
        }
        sigmoid_row(cz, cz, 2 * H);
        for (int j = 0; j < H; ++j) cz[2 * H + j] = ar[2 * H + j] + cz[H + j] * cz[3 * H + j];
        tanh_row(cz + 2 * H, cz + 2 * H, H);
        for (int j = 0; j < H; ++j) h[j] = cz[2 * H + j] + cz[j] * (hprev[j] - cz[2 * H + j]);
      }
    }
  });
}

void gru_backward(const SeqDims& d, const float* x, const float* W, const float* U, const float* h0, const float* hs, const float* cache,
                  const float* dhs, float* dx, float* dW, float* dU, float* dbias, float* dh0) {
  const int H = d.H, G = 3 * H, T = d.T;
  const idx rows = static_cast<idx>(d.B) * T;
  float* dA = scratch(kGradInput, static_cast<std::size_t>(rows) * G);
  float* dR = scratch(kGradRecurrent, static_cast<std::size_t>(rows) * G);
  const PackedB& UT = packed_recurrent(G, H, U, G, true);
  std::memset(dh0, 0, static_cast<idx>(d.B) * H * sizeof(float));
  parallel_parts([&](int part, int parts) {
    int b0, b1;
    split_range(d.B, part, parts, 1, b0, b1);
    for (int t = T - 1; t >= 0 && b1 > b0; --t) {
      int ld;
      const float* hp = prev_rows(d, h0, hs, b0, t, ld);
      for (int bb = b0; bb < b1; ++bb) {
        const idx r = static_cast<idx>(bb) * T + t;
        const float* cz = cache + r * 4 * H;
        const float* hprev = hp + static_cast<idx>(bb - b0) * ld;
        const float* dho = dhs + r * H;
        float* dh = dh0 + static_cast<idx>(bb) * H;
        float* da = dA + r * G;
        float* dr = dR + r * G;
        for (int j = 0; j < H; ++j) {
          const float z = cz[j], rg = cz[H + j], n = cz[2 * H + j], rn = cz[3 * H + j];
          const float dht = dho[j] + dh[j];
          const float dan = dht * (1.f - z) * (1.f - n * n);
          const float daz = dht * (hprev[j] - n) * z * (1.f - z);
          const float dar = dan * rn * rg * (1.f - rg);
          da[j] = daz;
          da[H + j] = dar;
          da[2 * H + j] = dan;
          dr[j] = daz;
          dr[H + j] = dar;
          dr[2 * H + j] = dan * rg;
          dh[j] = dht * z;
        }
      }
      gemm_packed(b1 - b0, dR + (static_cast<idx>(b0) * T + t) * G, T * G, UT, dh0 + static_cast<idx>(b0) * H, H, true);
    }
  });
  const float* prev = previous_states(d, h0, hs);
  weight_gradients(d, G, x, W, prev, dA, dR, dx, dW, dU);
  column_sums(dA, rows, G, dbias);
  column_sums(dR, rows, G, dbias + G);
}

// ---- RNN -----------------------------------------------------------------

void rnn_forward(const SeqDims& d, const float* x, const float* W, const float* U, const float* b, const float* h0, float* hs) {
  const int H = d.H, T = d.T;
  const idx rows = static_cast<idx>(d.B) * T;
  gemm(rows, H, d.I, x, d.I, false, W, H, false, hs, H, false);
  add_bias(hs, rows, H, b);
  const PackedB& Up = packed_recurrent(H, H, U, H, false);
  parallel_parts([&](int part, int parts) {
    int b0, b1;
    split_range(d.B, part, parts, 1, b0, b1);
    for (int t = 0; t < T && b1 > b0; ++t) {
      int ld;
      const float* hp = prev_rows(d, h0, hs, b0, t, ld);
      float* out = hs + (static_cast<idx>(b0) * T + t) * H;
      gemm_packed(b1 - b0, hp, ld, Up, out, T * H, true);
      for (int bb = 0; bb < b1 - b0; ++bb) {
        float* h = out + static_cast<idx>(bb) * T * H;
        tanh_row(h, h, H);
      }
    }
  });
}

void rnn_backward(const SeqDims& d, const float* x, const float* W, const float* U, const float* h0, const float* hs, const float* dhs,
                  float* dx, float* dW, float* dU, float* db, float* dh0) {
  const int H = d.H, T = d.T;
  const idx rows = static_cast<idx>(d.B) * T;
  float* dZ = scratch(kGradInput, static_cast<std::size_t>(rows) * H);
  const PackedB& UT = packed_recurrent(H, H, U, H, true);
  std::memset(dh0, 0, static_cast<idx>(d.B) * H * sizeof(float));
  parallel_parts([&](int part, int parts) {
    int b0, b1;
    split_range(d.B, part, parts, 1, b0, b1);
    for (int t = T - 1; t >= 0 && b1 > b0; --t) {
      for (int bb = b0; bb < b1; ++bb) {
        const idx r = static_cast<idx>(bb) * T + t;
        const float* h = hs + r * H;
        const float* dho = dhs + r * H;
        const float* dh = dh0 + static_cast<idx>(bb) * H;
        float* dz = dZ + r * H;
        for (int j = 0; j < H; ++j) dz[j] = (dho[j] + dh[j]) * (1.f - h[j] * h[j]);
      }
      gemm_packed(b1 - b0, dZ + (static_cast<idx>(b0) * T + t) * H, T * H, UT, dh0 + static_cast<idx>(b0) * H, H, false);
    }
  });
  const float* prev = previous_states(d, h0, hs);
  weight_gradients(d, H, x, W, prev, dZ, dZ, dx, dW, dU);
  column_sums(dZ, rows, H, db);
}

}  // namespace sk
