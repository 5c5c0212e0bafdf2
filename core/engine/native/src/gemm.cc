// A small BLIS-style SGEMM: packed A (MR-row panels) and B (NR-column panels),
// a 6×16 register-blocked micro-kernel written with GCC/Clang vector
// extensions (AVX2/AVX-512 with -march=native on x86, NEON on ARM), and cache
// blocking. Why our own: the addon must build from source with only a C++
// compiler (no BLAS package on a user's machine), and the fused recurrent
// kernels need products on strided views and a pre-packed recurrent matrix.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace sk {
namespace {

// The register tile is MR rows × two vectors: 6×16 with AVX2 (12 of 16 ymm
// registers accumulate), 6×32 where AVX-512 doubles both the width and the
// register file (12 of 32 zmm).
#if defined(__AVX512F__)
typedef float vf __attribute__((vector_size(64)));
#else
typedef float vf __attribute__((vector_size(32)));
#endif
constexpr int LANES = sizeof(vf) / sizeof(float);
constexpr int MR = 6;
constexpr int NR = 2 * LANES;
constexpr int MC = 144;  // rows of A per packed block (L2)
// Depth per block. With 8 lanes a B micro-panel of KC×NR is 32 KB at 512, the
// size of Zen 2's L1. Why 512 and not 256: every depth block reads and writes
// the whole C block again and restarts each micro-kernel's streams. On the
// Zen 2 VM (docs/benchmarks.md, "Depth blocks, C prefetch and one shared
// packing of B") the h512 convolutions ran at 95 GF/s with 512 against 85 with
// 256 (the micro-kernel's in-L1 peak there, bench/fma-peak.cc, is 103-106), and
// 768-1536 measured the same as 512. AVX-512 keeps 256: its B micro-panel is
// twice as wide, and no AVX-512 machine was at hand to measure a change.
#if defined(__AVX512F__)
constexpr int KC = 256;
#else
constexpr int KC = 512;
#endif
constexpr int NC = 2048; // columns of B per packed block (L3)
#ifndef SK_SPIN
#define SK_SPIN 2000  // pause loops (~50 µs) a pool thread waits for work before sleeping: longer
                       // spins measured no faster and take the core from V8's helper threads
#endif

inline vf loadv(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storev(float* p, vf v) { std::memcpy(p, &v, sizeof v); }
/**
 * *p in every lane. Written as *p − 0, which is *p exactly for every float (−0 included), so the
 * compiler folds the subtraction and emits one broadcast load (vbroadcastss from memory, a load-port
 * op). The earlier `vf{} + *p` is not an identity (−0 + 0 = +0), so it cost a scalar add and a
 * register broadcast per row of the tile: 12 extra ALU ops per 12 FMAs, which on AVX2 (Zen 2)
 * competed with the FMAs for the vector ports.
 */
inline vf splat(const float* p) { return *p - vf{}; }

// A portable build (no -march=native, e.g. for a packaged app) still gets an
// AVX2+FMA micro-kernel on x86-64 Linux: GCC emits both and picks at load.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__AVX2__) && !defined(__clang__)
#define SK_KERNEL_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SK_KERNEL_CLONES
#endif

/** C[m,n] (+)= Ap·Bp over depth kc; Ap is [kc][MR], Bp is [kc][NR]; m ≤ MR, n ≤ NR. */
SK_KERNEL_CLONES void micro_kernel(int kc, const float* Ap, const float* Bp, float* C, int ldc, int m, int n, bool accumulate) {
  // The C tile is read (accumulate) and written after the loop: ask for its lines now, so they arrive
  // while the loop runs instead of stalling the stores (C blocks do not stay in L1/L2 between depth blocks).
  for (int r = 0; r < m; ++r) {
    const float* row = C + static_cast<std::ptrdiff_t>(r) * ldc;
    for (int j = 0; j < n; j += 16) __builtin_prefetch(row + j, 1, 3);
    __builtin_prefetch(row + n - 1, 1, 3);
  }
  vf c00{}, c01{}, c10{}, c11{}, c20{}, c21{}, c30{}, c31{}, c40{}, c41{}, c50{}, c51{};
  for (int k = 0; k < kc; ++k) {
    const vf b0 = loadv(Bp), b1 = loadv(Bp + LANES);
    vf a;
    a = splat(Ap + 0); c00 += a * b0; c01 += a * b1;
    a = splat(Ap + 1); c10 += a * b0; c11 += a * b1;
    a = splat(Ap + 2); c20 += a * b0; c21 += a * b1;
    a = splat(Ap + 3); c30 += a * b0; c31 += a * b1;
    a = splat(Ap + 4); c40 += a * b0; c41 += a * b1;
    a = splat(Ap + 5); c50 += a * b0; c51 += a * b1;
    Ap += MR;
    Bp += NR;
  }
  const vf acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (m == MR && n == NR) {
    for (int r = 0; r < MR; ++r) {
      float* row = C + static_cast<std::ptrdiff_t>(r) * ldc;
      storev(row, accumulate ? loadv(row) + acc[r][0] : acc[r][0]);
      storev(row + LANES, accumulate ? loadv(row + LANES) + acc[r][1] : acc[r][1]);
    }
    return;
  }
  float tmp[MR * NR];
  for (int r = 0; r < MR; ++r) {
    storev(tmp + r * NR, acc[r][0]);
    storev(tmp + r * NR + LANES, acc[r][1]);
  }
  for (int r = 0; r < m; ++r) {
    float* row = C + static_cast<std::ptrdiff_t>(r) * ldc;
    for (int j = 0; j < n; ++j) row[j] = accumulate ? row[j] + tmp[r * NR + j] : tmp[r * NR + j];
  }
}

/** Packs op(A)[i0:i0+mc, p0:p0+kc] into MR-row panels, each [kc][MR], zero-padded. */
void pack_a(const float* A, int lda, bool transA, int i0, int mc, int p0, int kc, float* out) {
  for (int ir = 0; ir < mc; ir += MR) {
    const int m = std::min(MR, mc - ir);
    if (m == MR) {
      // Full panels without the per-element index arithmetic and padding test of the general loop below
      // (it was 2.8 % of the LSTM h512 step): Aᵀ gives MR contiguous floats per depth step, A MR rows.
      const int i = i0 + ir;
      if (transA) {
        for (int k = 0; k < kc; ++k) std::memcpy(out + k * MR, A + static_cast<std::ptrdiff_t>(p0 + k) * lda + i, MR * sizeof(float));
      } else {
        const float* rows[MR];
        for (int r = 0; r < MR; ++r) rows[r] = A + static_cast<std::ptrdiff_t>(i + r) * lda + p0;
        for (int k = 0; k < kc; ++k)
          for (int r = 0; r < MR; ++r) out[k * MR + r] = rows[r][k];
      }
      out += static_cast<std::ptrdiff_t>(kc) * MR;
      continue;
    }
    for (int k = 0; k < kc; ++k) {
      for (int r = 0; r < MR; ++r) {
        const int i = i0 + ir + r;
        const std::ptrdiff_t idx = transA ? static_cast<std::ptrdiff_t>(p0 + k) * lda + i : static_cast<std::ptrdiff_t>(i) * lda + p0 + k;
        out[k * MR + r] = r < m ? A[idx] : 0.f;
      }
    }
    out += static_cast<std::ptrdiff_t>(kc) * MR;
  }
}

/** Packs op(B)[p0:p0+kc, j0:j0+nc] into NR-column panels, each [kc][NR], zero-padded. */
void pack_b_block(const float* B, int ldb, bool transB, int p0, int kc, int j0, int nc, float* out) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int n = std::min(NR, nc - jr);
    if (!transB && n == NR) {
      for (int k = 0; k < kc; ++k) std::memcpy(out + k * NR, B + static_cast<std::ptrdiff_t>(p0 + k) * ldb + j0 + jr, NR * sizeof(float));
    } else {
      for (int k = 0; k < kc; ++k) {
        for (int c = 0; c < NR; ++c) {
          const int j = j0 + jr + c;
          const std::ptrdiff_t idx = transB ? static_cast<std::ptrdiff_t>(j) * ldb + p0 + k : static_cast<std::ptrdiff_t>(p0 + k) * ldb + j;
          out[k * NR + c] = c < n ? B[idx] : 0.f;
        }
      }
    }
    out += static_cast<std::ptrdiff_t>(kc) * NR;
  }
}

void zero_c(int M, int N, float* C, int ldc) {
  for (int i = 0; i < M; ++i) std::memset(C + static_cast<std::ptrdiff_t>(i) * ldc, 0, N * sizeof(float));
}

thread_local std::vector<float> tl_packA, tl_packB;

/** C tile (m×n at C) += bias[0..n) on every row: the epilogue of a product's last depth block, while the tile is in cache. */
inline void add_bias_tile(float* C, int ldc, int m, int n, const float* bias) {
  for (int r = 0; r < m; ++r) {
    float* row = C + static_cast<std::ptrdiff_t>(r) * ldc;
    for (int j = 0; j < n; ++j) row[j] += bias[j];
  }
}

/** `buf` grown (never shrunk) to hold one packed B block of a product with N columns: KC × N rounded up to NR, at most NC. */
float* packed_b_block(std::vector<float>& buf, int N) {
  const std::size_t floats = static_cast<std::size_t>(KC) * ((std::min(N, NC) + NR - 1) / NR) * NR;
  if (buf.size() < floats) buf.resize(floats);
  return buf.data();
}

/** Panels of a block of at most MC + MR rows. */
constexpr int kBlockPanels = (MC + MR + MR - 1) / MR;

/**
 * Which MR-row panels of rows [i0, i0 + mc) × depth [p0, p0 + kc) are all
 * zero, into `out`; null (none known) without a `zero` test.
 */
const bool* zero_panels(const PanelIsZero* zero, int i0, int mc, int p0, int kc, bool (&out)[kBlockPanels]) {
  if (!zero) return nullptr;
  for (int ir = 0; ir < mc; ir += MR) out[ir / MR] = (*zero)(i0 + ir, std::min(MR, mc - ir), p0, kc);
  return out;
}

/**
 * C[mc, nc] (+)= Ap · Bp over depth kc: Ap is mc rows packed in MR-row panels
 * [kc][MR], Bp nc columns in NR-column panels [kc][NR]; then bias[0..nc) (or
 * null) on every row. A panel flagged in `zeroPanel` (or none, when null)
 * adds nothing: its tiles are skipped, or set to zero when not accumulating.
 */
void multiply_block(int mc, int nc, int kc, const float* Ap, const float* Bp, float* C, int ldc, bool acc, const float* bias,
                    const bool* zeroPanel) {
  for (int jr = 0; jr < nc; jr += NR) {
    const float* Bpanel = Bp + static_cast<std::ptrdiff_t>(jr) * kc;
    for (int ir = 0; ir < mc; ir += MR) {
      float* Ct = C + static_cast<std::ptrdiff_t>(ir) * ldc + jr;
      const int m = std::min(MR, mc - ir), n = std::min(NR, nc - jr);
      if (!zeroPanel || !zeroPanel[ir / MR]) micro_kernel(kc, Ap + static_cast<std::ptrdiff_t>(ir) * kc, Bpanel, Ct, ldc, m, n, acc);
      else if (!acc) zero_c(m, n, Ct, ldc);
      if (bias) add_bias_tile(Ct, ldc, m, n, bias + jr);
    }
  }
}

/**
 * The blocked product with A supplied by a packer (an explicit matrix, or an
 * implicit one such as a convolution's shifted rows); `bias` (N values, or
 * null) is added to each C tile after its last depth block. `epilogue` (or
 * null) gets every block of MC rows as soon as it is final, numbered from
 * `row0` (this call's first row in the caller's whole C); `zero` (or null) is
 * asked about panels by the same numbers.
 */
void gemm_single(int M, int N, int K, const PackA& packA, const float* B, int ldb, bool transB, float* C, int ldc, bool accumulate,
                 const float* bias, const RowEpilogue* epilogue = nullptr, int row0 = 0, const PanelIsZero* zero = nullptr) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) zero_c(M, N, C, ldc);
    if (bias) add_bias_tile(C, ldc, M, N, bias);
    if (epilogue) (*epilogue)(row0, M);
    return;
  }
  // A row block is final inside the last depth block only when one column block spans all of N.
  const bool rowsFinalInLoop = epilogue && N <= NC;
  tl_packA.resize(static_cast<std::size_t>(MC + MR) * KC);
  // Sized for this product's columns: KC·NC floats would be 4 MB for every thread.
  float* const Bpk = packed_b_block(tl_packB, N);
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = std::min(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = std::min(KC, K - pc);
      const bool acc = accumulate || pc > 0;
      const bool last = pc + kc == K;
      pack_b_block(B, ldb, transB, pc, kc, jc, nc, Bpk);
      for (int ic = 0; ic < M; ic += MC) {
        const int mc = std::min(MC, M - ic);
        packA(ic, mc, pc, kc, tl_packA.data());
        bool zeros[kBlockPanels];
        multiply_block(mc, nc, kc, tl_packA.data(), Bpk, C + static_cast<std::ptrdiff_t>(ic) * ldc + jc, ldc, acc,
                       last && bias ? bias + jc : nullptr, zero_panels(zero, row0 + ic, mc, pc, kc, zeros));
        if (last && rowsFinalInLoop) (*epilogue)(row0 + ic, mc);
      }
    }
  }
  if (epilogue && !rowsFinalInLoop) (*epilogue)(row0, M);
}

// ---- thread pool -------------------------------------------------------
// A job is cut into parts that every participant, the calling thread
// included, claims one at a time from a shared ticket; the caller then waits
// only for parts a worker has claimed and is running. Why: with a fixed part
// per thread the caller finished its half and then waited for a worker that
// was still being woken, or had been descheduled by another process (2 cores,
// loaded), so 2 threads could be slower than 1. Now a late worker finds its
// parts done by the caller and the job costs what one thread would. The
// ticket packs generation, part count and next part in one atomic word: a
// worker waking after its job ended cannot claim a part of the next one.
// Workers spin briefly on the ticket (a fused recurrence hands out work every
// few microseconds), then sleep on a condition variable. The pool is created
// once and never destroyed: joining at process exit would race with Node
// tearing down worker threads.
class Pool {
 public:
  explicit Pool(int threads) : threads_(threads) {
    for (int i = 1; i < threads_; ++i) std::thread([this] { worker(); }).detach();
  }
  int threads() const { return threads_; }

  void run(int parts, const std::function<void(int, int)>& fn) {
    if (parts <= 0) return;
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock() || threads_ == 1 || parts == 1 || parts > kMaxParts) {
      for (int p = 0; p < parts; ++p) fn(p, parts);
      return;
    }
    job_.store(&fn, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const uint32_t gen = ++generation_;
    ticket_.store(pack(gen, parts, 0), std::memory_order_seq_cst);
    // Paired with the sleeper count a worker raises before its last look at the ticket: no lost wake-up.
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> g(m_);
      cv_.notify_all();
    }
    int part, ran = 0;
    while (claim(gen, part)) {
      fn(part, parts);
      ++ran;
    }
    for (int spin = 0; done_.load(std::memory_order_acquire) != parts - ran; ++spin) {
      if (spin < SK_SPIN) pause();
      else std::this_thread::yield();
    }
    job_.store(nullptr, std::memory_order_relaxed);
  }

 private:
  static constexpr int kMaxParts = 0xFFFF;
  static uint64_t pack(uint32_t gen, int parts, int next) {
    return (static_cast<uint64_t>(gen) << 32) | (static_cast<uint64_t>(parts) << 16) | static_cast<uint64_t>(next);
  }
  static uint32_t gen_of(uint64_t t) { return static_cast<uint32_t>(t >> 32); }
  static int parts_of(uint64_t t) { return static_cast<int>((t >> 16) & 0xFFFF); }
  static int next_of(uint64_t t) { return static_cast<int>(t & 0xFFFF); }
  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  /** Takes the next unclaimed part of job `gen`; false when none is left (or that job is over). */
  bool claim(uint32_t gen, int& part) {
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
      if (gen_of(t) != gen || next_of(t) >= parts_of(t)) return false;
      if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        part = next_of(t);
        return true;
      }
    }
  }

  void worker() {
    uint32_t seen = 0;
    for (;;) {
      uint64_t t = ticket_.load(std::memory_order_acquire);
      for (int spin = 0; gen_of(t) == seen && spin < SK_SPIN; ++spin) {
        pause();
        t = ticket_.load(std::memory_order_acquire);
      }
      if (gen_of(t) == seen) {
        std::unique_lock<std::mutex> l(m_);
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        cv_.wait(l, [&] { return gen_of(t = ticket_.load(std::memory_order_seq_cst)) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
      seen = gen_of(t);
      int part;
      while (claim(seen, part)) {
        // A claimed part pins its job: the caller cannot return before it is done.
        (*job_.load(std::memory_order_relaxed))(part, parts_of(t));
        done_.fetch_add(1, std::memory_order_acq_rel);
      }
    }
  }

  const int threads_;
  std::mutex busy_, m_;
  std::condition_variable cv_;
  uint32_t generation_ = 0;  // written by the busy_ holder only
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> done_{0}, sleepers_{0};
  std::atomic<const std::function<void(int, int)>*> job_{nullptr};
};

int configured_threads() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  if (const char* env = std::getenv("SEQLAB_THREADS")) {
    const int v = std::atoi(env);
    if (v > 0) n = v;
  }
  return std::max(1, std::min(n, 16));
}

Pool& pool() {
  static Pool* p = new Pool(configured_threads());
  return *p;
}

}  // namespace

const char* simd_width() {
#if defined(__AVX512F__)
  return "avx512";
#elif defined(__AVX2__)
  return "avx2";
#elif defined(__ARM_NEON)
  return "neon";
#elif defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
  // The target_clones micro-kernel runs its x86-64-v3 (AVX2 + FMA) clone where the CPU has it.
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "avx2 (portable build)" : "portable";
#else
  return "portable";
#endif
}

int pool_threads() { return pool().threads(); }

int gemm_mr() { return MR; }

void parallel_parts(const std::function<void(int, int)>& fn) { pool().run(pool().threads(), fn); }

void parallel_for(int parts, const std::function<void(int, int)>& fn) { pool().run(parts, fn); }

namespace {

/** `epilogue` over all M rows, split by rows across the pool: for products whose rows became final only at the end. */
void epilogue_by_rows(int M, const RowEpilogue& epilogue) {
  parallel_parts([&](int part, int count) {
    int b, e;
    split_range(M, part, count, MR, b, e);
    if (e > b) epilogue(b, e - b);
  });
}

/**
 * The product on the pool, cut by rows into `parts` parts of at most MC + MR
 * rows, with ONE packed copy of each B block that every thread reads: the
 * threads pack each block together (a share of its column panels each), then
 * each part packs only its own rows of A. Why: a thread that packs all of B
 * for itself repeats the other threads' work, and for a weight gradient B is
 * the whole output gradient (B·T × Cout: 16 MB at width 512, batch 64,
 * length 128) packed once per part. Same tiles, same order of the depth
 * blocks as gemm_single, so the same sums.
 */
void gemm_rows_shared_b(int M, int N, int K, const PackA& packA, const float* B, int ldb, bool transB, float* C, int ldc, bool accumulate,
                        const float* bias, const RowEpilogue* epilogue, const PanelIsZero* zero, int parts) {
  // The caller's buffer: the workers read it only inside this call's jobs.
  thread_local std::vector<float> shared;
  float* const Bpk = packed_b_block(shared, N);
  const bool rowsFinalInLoop = epilogue && N <= NC;
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = std::min(NC, N - jc), panels = (nc + NR - 1) / NR;
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = std::min(KC, K - pc);
      const bool acc = accumulate || pc > 0, last = pc + kc == K;
      parallel_parts([&](int part, int count) {
        int b, e;
        split_range(panels, part, count, 1, b, e);
        if (e > b) pack_b_block(B, ldb, transB, pc, kc, jc + b * NR, std::min(nc, e * NR) - b * NR, Bpk + static_cast<std::ptrdiff_t>(b) * NR * kc);
      });
      parallel_for(parts, [&](int part, int count) {
        int r0, r1;
        split_range(M, part, count, MR, r0, r1);
        tl_packA.resize(static_cast<std::size_t>(MC + MR) * KC);
        for (int ic = r0; ic < r1; ic += MC + MR) {
          const int mc = std::min(MC + MR, r1 - ic);
          packA(ic, mc, pc, kc, tl_packA.data());
          bool zeros[kBlockPanels];
          multiply_block(mc, nc, kc, tl_packA.data(), Bpk, C + static_cast<std::ptrdiff_t>(ic) * ldc + jc, ldc, acc,
                         last && bias ? bias + jc : nullptr, zero_panels(zero, ic, mc, pc, kc, zeros));
          if (last && rowsFinalInLoop) (*epilogue)(ic, mc);
        }
      });
    }
  }
  if (epilogue && !rowsFinalInLoop) epilogue_by_rows(M, *epilogue);
}

}  // namespace

void gemm_with_packer(int M, int N, int K, const PackA& packA, const float* B, int ldb, bool transB, float* C, int ldc, bool accumulate,
                      const float* bias, const RowEpilogue* epilogue, const PanelIsZero* zero) {
  // Cut the larger output dimension so each part packs only its share of it.
  // The other operand is packed again by every part, which costs about 16/m
  // of a part m rows (or columns) wide: so one part per thread, and up to four
  // per thread (a thread that starts late or is descheduled then leaves its
  // parts to the others) only while parts stay kPartSpan wide. No part below
  // kPartFlops: handing it over would cost more than it saves.
  constexpr double kPartFlops = 2e6;
  constexpr int kPartSpan = 256, kMaxPartsPerThread = 4;
  const double flops = 2.0 * M * N * K;
  const bool byColumns = N >= M;
  const int span = byColumns ? N : M, threads = pool_threads();
  const int panels = byColumns ? (N + NR - 1) / NR : (M + MR - 1) / MR;
  const int perThread = std::max(1, std::min(kMaxPartsPerThread, span / (threads * kPartSpan)));
  const int parts = static_cast<int>(std::min<double>({flops / kPartFlops, double(threads * perThread), double(panels)}));
  if (threads == 1 || parts < 2 || K <= 0) {
    gemm_single(M, N, K, packA, B, ldb, transB, C, ldc, accumulate, bias, epilogue, 0, zero);
    return;
  }
  // Rows enough for two blocks a thread: split them and share B's packing (gemm_rows_shared_b); the parts
  // a multiple of the threads so that none is left with one more block than the other.
  const int rowBlocks = (M + MC - 1) / MC;
  if (rowBlocks >= 2 * threads) {
    gemm_rows_shared_b(M, N, K, packA, B, ldb, transB, C, ldc, accumulate, bias, epilogue, zero, threads * ((rowBlocks + threads - 1) / threads));
    return;
  }
  parallel_for(parts, [&](int part, int count) {
    int b, e;
    if (byColumns) {
      split_range(N, part, count, NR, b, e);
      if (e > b) {
        const float* Bpart = transB ? B + static_cast<std::ptrdiff_t>(b) * ldb : B + b;
        gemm_single(M, e - b, K, packA, Bpart, ldb, transB, C + b, ldc, accumulate, bias ? bias + b : nullptr, nullptr, 0, zero);
      }
    } else {
      split_range(M, part, count, MR, b, e);
      if (e > b) {
        const PackA rows = [&](int i0, int mc, int p0, int kc, float* out) { packA(b + i0, mc, p0, kc, out); };
        gemm_single(e - b, N, K, rows, B, ldb, transB, C + static_cast<std::ptrdiff_t>(b) * ldc, ldc, accumulate, bias, epilogue, b, zero);
      }
    }
  });
  // Split by columns, no thread holds a whole row: the epilogue runs after, split by rows.
  if (byColumns && epilogue) epilogue_by_rows(M, *epilogue);
}

void gemm(int M, int N, int K, const float* A, int lda, bool transA, const float* B, int ldb, bool transB, float* C, int ldc,
          bool accumulate) {
  const PackA packA = [=](int i0, int mc, int p0, int kc, float* out) { pack_a(A, lda, transA, i0, mc, p0, kc, out); };
  gemm_with_packer(M, N, K, packA, B, ldb, transB, C, ldc, accumulate, nullptr);
}

PackedB pack_b(int K, int N, const float* B, int ldb, bool transB) {
  PackedB p;
  pack_b_into(p, K, N, B, ldb, transB);
  return p;
}

void pack_b_into(PackedB& p, int K, int N, const float* B, int ldb, bool transB) {
  p.K = K;
  p.N = N;
  // Every panel element is written below (padding columns as zeros), so a reused buffer needs no clearing.
  const std::size_t n = static_cast<std::size_t>((N + NR - 1) / NR) * NR * std::max(K, 1);
  if (p.data.size() < n) p.data.resize(n);
  if (K > 0) pack_b_block(B, ldb, transB, 0, K, 0, N, p.data.data());
}

void gemm_packed(int M, const float* A, int lda, const PackedB& B, float* C, int ldc, bool accumulate) {
  const int K = B.K, N = B.N;
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) zero_c(M, N, C, ldc);
    return;
  }
  tl_packA.resize(static_cast<std::size_t>(MC + MR) * K);
  for (int ic = 0; ic < M; ic += MC) {
    const int mc = std::min(MC, M - ic);
    pack_a(A, lda, false, ic, mc, 0, K, tl_packA.data());
    for (int jr = 0; jr < N; jr += NR) {
      const float* Bp = B.data.data() + static_cast<std::ptrdiff_t>(jr) * K;
      for (int ir = 0; ir < mc; ir += MR) {
        micro_kernel(K, tl_packA.data() + static_cast<std::ptrdiff_t>(ir) * K, Bp, C + static_cast<std::ptrdiff_t>(ic + ir) * ldc + jr, ldc,
                     std::min(MR, mc - ir), std::min(NR, N - jr), accumulate);
      }
    }
  }
}

}  // namespace sk
