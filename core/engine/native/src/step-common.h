// What every whole native training step shares (train-step.cc for the
// recurrent language models, tcn-step.cc for the TCN, gcnn-step.cc for the
// GCNN, wavenet-step.cc for the WaveNet): the token embedding, the gathering of
// a gated convolution's two kernels into one, the dense read-out with the mean softmax
// cross-entropy and their gradients, and the tail of the step — global
// gradient norm, clipping and Adam or SGD over the whole arena
// [ parameters P | gradients P | Adam m P | Adam v P ].
// Written once here so every step rounds exactly as the reference does.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

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

/** x[r] = inW[ids[r]] + inB over rows tokens: the exact value of the reference's one-hot product. x [rows, E]. */
void embed_forward(std::ptrdiff_t rows, int E, const int32_t* ids, const float* inW, const float* inB, float* x);

/** Gradients of the embedding from dx [rows, E]: dInW [V, E] (rows scattered by id) and dInB [E]. */
void embed_backward(std::ptrdiff_t rows, int V, int E, const int32_t* ids, const float* dx, float* dInW, float* dInB);

/**
 * The read-out logits = top·outW + outB over rows × H → V, the mean softmax
 * cross-entropy against targets, and its backward: dOutW [H, V], dOutB [V]
 * and dtop [rows, H]. logits and dlogits are [rows, V] scratch. Returns the loss.
 */
float readout_loss(int rows, int H, int V, const float* top, const float* outW, const float* outB, const int32_t* targets, float* logits,
                   float* dlogits, float* dOutW, float* dOutB, float* dtop);

/**
 * dst [rows, 2H] = [a | b] row by row, from a, b [rows, H]: the two halves of a
 * gated convolution (GCNN's linear and gate, WaveNet's filter and gate) side by
 * side, as one convolution of width 2H takes them.
 */
void gather_halves(std::size_t rows, int H, const float* a, const float* b, float* dst);

/** The inverse of gather_halves: a, b [rows, H] from src [rows, 2H]. */
void scatter_halves(std::size_t rows, int H, const float* src, float* a, float* b);

/**
 * The global norm of the gradient part, then (when loss and norm are finite and
 * an optimiser is asked for) clipping and Adam or SGD over all P parameters.
 */
StepResult finish_step(std::size_t P, float* arena, float loss, const StepOptions& o);

}  // namespace sk
