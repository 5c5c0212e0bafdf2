// The whole training step of a TCN in one native call, on token ids or float
// features (core/ml/models/tcn-model.ts): input projection → levels × convsPerBlock
// causal dilated convolutions (dilation 2^level, ReLU, optional weight norm,
// the block's residual add fused into its last unit, a 1×1 downsample on
// level 0's skip when embed ≠ hidden) → dense read-out → the task's loss
// (step-common.h) → backward → global-norm clipping → Adam or SGD. The arena is
// the recurrent step's ([ parameters P | gradients P | m P | v P ], train-step.h),
// each part in the model's checkpoint order: input/kernel [I,E], input/bias [E];
// per level l and convolution c: v [K·cin, H] and g [H] (weight norm) or
// kernel [K·cin, H], then bias [H]; after level 0's convolutions
// downsample/kernel [E,H] and downsample/bias [H] when it exists;
// output/kernel [H,V], output/bias [V].
//
// Dropout (rate > 0), as the reference builds it in training: every unit's
// output (after ReLU) is multiplied by 0 or 1/keep (keep = 1 − rate), and a
// block's skip is then not fused into its last unit: the block ends with
// relu(h + skip). The masks come from a counter-based generator of (seed,
// unit, element) (tcn_dropout_mask, step-common.h), so they depend on neither
// the threads nor the order of the work, and a seed fixes every mask of a step.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "step-common.h"

namespace sk {

struct TcnDims {
  int V, I, E, H;       // output units (classes), input width (alphabet or features), embedding, channels of every block
  int levels, K, convs;  // blocks (dilation 2^level), kernel size, convolutions per block
  bool weightNorm, residual;
};

/** True when level 0's residual path goes through a 1×1 convolution (the widths differ). */
inline bool tcn_has_downsample(const TcnDims& d) { return d.residual && d.E != d.H; }

/** Offsets of every tensor inside one P-sized part of the arena; g is unused without weight norm. */
struct TcnLayout {
  std::size_t inW, inB, dsW, dsB, outW, outB, P;
  std::vector<std::size_t> w, g, bias;  // per convolution, level-major
};
TcnLayout tcn_layout(const TcnDims& d);

/** Activations and gradient scratch of one step, grown on demand and reused. */
struct TcnWorkspace {
  std::vector<float> x0, skip, dskip, logits, dlogits, bufA, bufB;
  std::vector<std::vector<float>> outs, zs;  // per convolution: its unit's output (after dropout), and z where the backward needs it
  std::vector<std::vector<uint8_t>> keeps;   // per convolution, with dropout: 1 where its output element is kept
  std::vector<std::vector<float>> blocks;    // per level, with dropout and residual: relu(h + skip), the block's output
};

/** One step on B rows of T positions (a TCN has no state between windows). */
StepResult tcn_train_step(const TcnDims& d, TcnWorkspace& ws, int B, int T, const StepInput& in, const StepTargets& targets, float* arena,
                          const StepOptions& o, const TcnDropout& dropout);

}  // namespace sk
