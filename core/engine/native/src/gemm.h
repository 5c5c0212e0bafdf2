// Single-precision matrix products and a two-level thread pool for the fused
// kernels. Row-major storage with explicit leading dimensions, so a kernel can
// multiply a strided view (e.g. the rows of one time step inside a
// [batch, time, features] buffer) without copying it first.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

namespace sk {

/**
 * C[M,N] = (accumulate ? C : 0) + op(A)[M,K] · op(B)[K,N].
 * op(A) = A (stored M×K, row stride lda) or Aᵀ (A stored K×M, row stride lda).
 * op(B) = B (stored K×N, row stride ldb) or Bᵀ (B stored N×K, row stride ldb).
 * Splits large products across the pool's threads.
 */
void gemm(int M, int N, int K, const float* A, int lda, bool transA, const float* B, int ldb, bool transB, float* C, int ldc,
          bool accumulate);

/**
 * Packs rows [i0, i0 + mc) × depth [p0, p0 + kc) of a left operand into
 * panels of gemm_mr() rows, each stored [kc][gemm_mr()], the last one
 * zero-padded: lets a product read an operand that is never materialised
 * (a convolution's shifted rows).
 */
using PackA = std::function<void(int i0, int mc, int p0, int kc, float* out)>;

/**
 * True when rows [i0, i0 + m) × depth [p0, p0 + kc) of a packed left operand
 * are all zero (a causal convolution's rows that read only padding): the
 * product then skips that panel's tiles, which add nothing. Rows are numbered
 * as PackA's; m ≤ gemm_mr().
 */
using PanelIsZero = std::function<bool(int i0, int m, int p0, int kc)>;

/** Rows per packed A panel (the micro-kernel's MR). */
int gemm_mr();

/**
 * Called with rows [i0, i0 + m) of C once they are final (every depth block
 * and column done, bias added): where a product hands its rows to an
 * elementwise epilogue (a convolution's activation) while they are still in
 * cache. Runs on the pool's threads, each on rows it alone owns.
 */
using RowEpilogue = std::function<void(int i0, int m)>;

/**
 * C[M,N] = (accumulate ? C : 0) + A[M,K] · op(B)[K,N] (+ bias[N] on every row,
 * when given), with A supplied by `packA`, then `epilogue` (when given) over
 * every row block. `zero` (when given) names A's panels that are all zero.
 * Threaded as gemm().
 */
void gemm_with_packer(int M, int N, int K, const PackA& packA, const float* B, int ldb, bool transB, float* C, int ldc, bool accumulate,
                      const float* bias, const RowEpilogue* epilogue = nullptr, const PanelIsZero* zero = nullptr);

/** A right-hand operand packed once into column panels, for many products with the same matrix (recurrent weights). */
struct PackedB {
  int K = 0, N = 0;
  std::vector<float> data;  // panels of NR columns, each [K][NR], zero-padded
};
PackedB pack_b(int K, int N, const float* B, int ldb, bool transB);
/** pack_b into `p`, reusing its buffer (grown, never shrunk): for callers that pack a matrix of the same shape every step. */
void pack_b_into(PackedB& p, int K, int N, const float* B, int ldb, bool transB);

/** C[M,N] = (accumulate ? C : 0) + A[M,K] · B, single-threaded (callers split rows themselves). */
void gemm_packed(int M, const float* A, int lda, const PackedB& B, float* C, int ldc, bool accumulate);

/** The vector width the micro-kernel was compiled for (and, for a portable build, picked at load). */
const char* simd_width();

/** Threads the pool runs on (including the caller). */
int pool_threads();

/**
 * Runs fn(part, parts) for part in [0, parts) with parts = pool_threads(), and
 * returns when all are done. Any thread may run any part (the caller takes
 * the parts a worker has not started), so a part must not assume which thread
 * it is on. When the pool is busy (two JS threads calling at once) the caller
 * runs every part itself.
 */
void parallel_parts(const std::function<void(int, int)>& fn);

/** The same over `parts` parts (more than the threads: a thread that is late or slow leaves its share to the others). */
void parallel_for(int parts, const std::function<void(int, int)>& fn);

/** [begin, end) of part `part` of `parts` over n items, cut at multiples of `align`. */
inline void split_range(int n, int part, int parts, int align, int& begin, int& end) {
  int blocks = (n + align - 1) / align;
  int b0 = static_cast<int>(static_cast<long long>(blocks) * part / parts);
  int b1 = static_cast<int>(static_cast<long long>(blocks) * (part + 1) / parts);
  begin = b0 * align < n ? b0 * align : n;
  end = b1 * align < n ? b1 * align : n;
}

}  // namespace sk
