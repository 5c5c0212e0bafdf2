// The whole training step of a gated convolutional model in one native call,
// on token ids or float features (core/ml/models/gcnn-model.ts): input projection → levels ×
// convsPerBlock causal GLU convolutions h = (X*W + b) ⊙ σ(X*V + c) (dilation
// 1, or 2^level when dilated; optional weight norm of each half), each followed
// by dropout, every block ending in x = h + skip (no ReLU; skip is the block's
// input, or a 1×1 projection of it at level 0 when embed ≠ hidden) → dense
// read-out → the task's loss (step-common.h) → backward → global-norm clipping →
// Adam or SGD. The arena is the other steps' ([ parameters P | gradients P | m P
// | v P ], train-step.h), each part in the model's checkpoint order:
// input/kernel [I,E], input/bias [E]; per level l, convolution c and half
// (linear, then gate): v [K·cin, H] and g [H] (weight norm) or kernel
// [K·cin, H], then bias [H]; after level 0's convolutions projection/kernel
// [E,H] and projection/bias [H] when it exists; output/kernel [H,V],
// output/bias [V].
//
// The arena keeps the two halves apart, but conv_unit.cc runs a GLU as one
// convolution of width 2H over [linear | gate] columns: each step gathers
// every convolution's halves side by side into the workspace (K·cin·2H floats,
// cheap next to its products) and scatters the gradient back into the two
// halves' slots. Weight norm is per output column, so normalising the gathered
// kernel normalises each half as the model does.
//
// Dropout (rate > 0) uses the TCN step's masks (tcn_dropout_keeps: a
// counter-based hash of seed, unit = level·convsPerBlock + c, and element of
// the unit's [B·T, H] output), so tcnDropoutMask gives them to tests.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "step-common.h"
#include "tcn-step.h"

namespace sk {

struct GcnnDims {
  int V, I, E, H;        // output units (classes), input width (alphabet or features), embedding, channels of every block (the GLU's output width)
  int levels, K, convs;  // blocks, kernel size, GLU convolutions per block
  bool weightNorm, dilated;
};

/** True when level 0's skip goes through a 1×1 projection (the widths differ). */
inline bool gcnn_has_projection(const GcnnDims& d) { return d.E != d.H; }

/** Dilation of every convolution of block l: 1, or 2^l when dilated. */
inline int gcnn_dilation(const GcnnDims& d, int l) { return d.dilated ? 1 << l : 1; }

/** Offsets of every tensor inside one P-sized part of the arena; g is unused without weight norm. */
struct GcnnLayout {
  std::size_t inW, inB, pjW, pjB, outW, outB, P;
  std::vector<std::size_t> w, g, bias;  // per convolution and half, at 2·(level·convs + c) + half (0 linear, 1 gate)
};
GcnnLayout gcnn_layout(const GcnnDims& d);

/** Activations, gathered kernels and gradient scratch of one step, grown on demand and reused. */
struct GcnnWorkspace {
  std::vector<float> x0, skip, dskip, logits, dlogits, bufA, bufB;
  std::vector<float> dw, dg, db;                           // one convolution's gathered gradients: [K·cin, 2H], [2H], [2H]
  std::vector<std::vector<float>> kernels, gains, biases;  // per convolution, [linear | gate]: v or kernel [K·cin, 2H], g [2H], bias [2H]
  std::vector<std::vector<float>> outs, zs;                // per convolution: its GLU's output (after dropout) [B·T, H], z [B·T, 2H]
  std::vector<std::vector<float>> blocks;                  // per level: h + skip, the block's output [B·T, H]
  std::vector<std::vector<uint8_t>> keeps;                 // per convolution, with dropout: 1 where its output element is kept
};

/** One step on B rows of T positions (a GCNN has no state between windows); dropout as the TCN step's. */
StepResult gcnn_train_step(const GcnnDims& d, GcnnWorkspace& ws, int B, int T, const StepInput& in, const StepTargets& targets, float* arena,
                           const StepOptions& o, const TcnDropout& dropout);

}  // namespace sk
