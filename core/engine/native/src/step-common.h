// What every whole native training step shares (train-step.cc for the
// recurrent language models, tcn-step.cc for the TCN, gcnn-step.cc for the
// GCNN, wavenet-step.cc for the WaveNet): the input projection (token ids or
// float features), the dropout masks, the gathering of a gated convolution's
// two kernels into one, the dense read-out with the task's loss (categorical,
// bernoulli or regression, optionally masked) and their gradients, and the tail of the step — global
// gradient norm, clipping and Adam or SGD over the whole arena
// [ parameters P | gradients P | Adam m P | Adam v P ].
// Written once here so every step rounds exactly as the reference does.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gemm.h"

namespace sk {

struct StepOptions {
  int optimizer;  // 0 Adam, 1 SGD, 2 none (gradients only)
  float lr;       // SGD
  float beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, stepSize;  // Adam, rounded to float32 as TF.js uploads scalars
  double clip;    // global-norm bound, ≤ 0: no clipping
};

struct StepResult {
  float loss, norm;
  bool applied;  // false when the loss or the norm is not finite: parameters and moments untouched
};

/** Grows a workspace buffer to at least n floats (never shrinks, so steps after the first allocate nothing). */
inline void grow(std::vector<float>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

/** out[j] = Σ_r m[r, j] over a [rows, cols] matrix (summed in row order, as the reference's column sums). */
void column_sums(const float* m, std::ptrdiff_t rows, int cols, float* out);

/**
 * A step's input window of rows = B·T positions: token ids [rows] in [0, width)
 * (ids set, feats null) or float features [rows, width] (feats set, ids null).
 * width is the input projection's fan-in, input/kernel [width, E].
 */
struct StepInput {
  const int32_t* ids;
  const float* feats;
  int width;
};

/**
 * x [rows, E] = the input projection of `in`: inW[ids[r]] + inB for ids (the exact value of the reference's
 * one-hot product, no product taken), feats·inW + inB for features.
 */
void input_forward(std::ptrdiff_t rows, int E, const StepInput& in, const float* inW, const float* inB, float* x);

/** Gradients of the input projection from dx [rows, E]: dInW [width, E] (rows scattered by id, or featsᵀ·dx) and dInB [E]. */
void input_backward(std::ptrdiff_t rows, int E, const StepInput& in, const float* dx, float* dInW, float* dInB);

/** What the read-out's V units mean (core/ml/tasks/task-types.ts OutputKind), as the bindings code it. */
enum class OutputKind : int { Categorical = 0, Bernoulli = 1, Regression = 2 };

/**
 * A step's targets over rows positions: class ids [rows] in [0, V) (categorical: classes set) or values [rows, V]
 * (bernoulli, regression: values set), and mask [rows] (each position's weight in the loss) or null to weigh all alike.
 */
struct StepTargets {
  OutputKind kind;
  const int32_t* classes;
  const float* values;
  const float* mask;
};

/**
 * The task's loss over logits [rows, V], as core/ml/train/task-loss.ts: per position −log softmax[target]
 * (categorical), Σ over units of max(z,0) − z·y + log(1 + e^−|z|) (bernoulli) or the mean over units of (z − y)²
 * (regression); their mean over positions, or Σ(loss·mask)/max(Σmask, 1) with a mask. dlogits [rows, V] gets its
 * gradient in the same pass. Categorical without a mask is loss.cc's softmax_cross_entropy, unchanged.
 */
float task_loss(int rows, int V, const float* logits, const StepTargets& t, float* dlogits);

/**
 * The read-out logits = top·outW + outB over rows × H → V, the task's loss
 * (task_loss) against `targets`, and its backward: dOutW [H, V], dOutB [V]
 * and dtop [rows, H]. logits and dlogits are [rows, V] scratch. Returns the loss.
 */
float readout_loss(int rows, int H, int V, const float* top, const float* outW, const float* outB, const StepTargets& targets, float* logits,
                   float* dlogits, float* dOutW, float* dOutB, float* dtop);

/**
 * dst [rows, 2H] = [a | b] row by row, from a, b [rows, H]: the two halves of a
 * gated convolution (GCNN's linear and gate, WaveNet's filter and gate) side by
 * side, as one convolution of width 2H takes them.
 */
void gather_halves(std::size_t rows, int H, const float* a, const float* b, float* dst);

/** The inverse of gather_halves: a, b [rows, H] from src [rows, 2H]. */
void scatter_halves(std::size_t rows, int H, const float* src, float* a, float* b);

/** n elements over the pool's threads, in parts of whole multiples of 64 (f(begin, end) per part). */
template <typename F>
void over_elements(std::size_t n, F f) {
  if (n < 16384) {
    f(std::size_t(0), n);
    return;
  }
  parallel_parts([&](int part, int parts) {
    const std::size_t blocks = (n + 63) / 64;
    const std::size_t b0 = blocks * part / parts, b1 = blocks * (part + 1) / parts;
    const std::size_t k0 = b0 * 64 < n ? b0 * 64 : n, k1 = b1 * 64 < n ? b1 * 64 : n;
    if (k0 < k1) f(k0, k1);
  });
}

/* Dropout, shared by every step that has it (tcn-step.cc, gcnn-step.cc, wavenet-step.cc, train-step.cc): its masks
 * come from a counter-based generator of (seed, unit, element), so they depend on neither the threads nor the order
 * of the work, and a seed fixes every mask of a step. A step numbers its dropout sites (units) itself. */

/** Dropout of one step: rate in [0, 1) (0: none) and the seed of its masks. */
struct TcnDropout {
  double rate;
  uint64_t seed;
};

/** The multiplier of dropout: 1/keep as float32, the reference's floor(u + keep)/keep where it keeps. */
inline float tcn_dropout_scale(double rate) { return 1.0f / static_cast<float>(1.0 - rate); }

/** keep[k] = 1 where element k of unit `unit`'s output is kept under `seed` (u ≥ rate, u uniform in [0,1)), else 0, for k in [begin, end). */
void tcn_dropout_keeps(uint64_t seed, int unit, double rate, std::size_t begin, std::size_t end, uint8_t* keep);

/** The multipliers a step with this seed and rate applies to unit `unit`'s first n output elements: 0 or tcn_dropout_scale(rate). */
void tcn_dropout_mask(uint64_t seed, int unit, std::size_t n, double rate, float* out);

/** Draws unit `unit`'s keeps for its n outputs and applies them: out ← out·scale where kept, else 0 (keep [n] written). */
void tcn_dropout_forward(uint64_t seed, int unit, double rate, std::size_t n, uint8_t* keep, float* out);

/** dy ← dy·scale where kept, else 0: the gradient of the unit's output before dropout, from its keeps [n]. */
void tcn_dropout_backward(double rate, std::size_t n, const uint8_t* keep, float* dy);

/**
 * The global norm of the gradient part, then (when loss and norm are finite and
 * an optimiser is asked for) clipping and Adam or SGD over all P parameters.
 */
StepResult finish_step(std::size_t P, float* arena, float loss, const StepOptions& o);

}  // namespace sk
