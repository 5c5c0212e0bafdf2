// The whole training step of a WaveNet in one native call, on token ids or
// float features (core/ml/models/wavenet-model.ts): input projection → causal input convolution
// (kernel 2, dilation 1, no activation) → stacks × layersPerStack gated layers
// z = tanh(X*W_f + b_f) ⊙ σ(X*W_g + b_g) (dilation 2^(i mod layersPerStack)),
// each followed by dropout, a 1×1 skip projection added to the skip sum and,
// but for the last layer, a 1×1 residual projection added to its input →
// ReLU → 1×1 → ReLU → dense read-out → the task's loss (step-common.h) → backward
// → global-norm clipping → Adam or SGD. The arena is the other steps'
// ([ parameters P | gradients P | m P | v P ], train-step.h), each part in the
// model's checkpoint order: input/kernel [I,E], input/bias [E];
// causal/kernel [2·E, R], causal/bias [R]; per layer i: filter/kernel
// [K·R, D], filter/bias [D], gate/kernel [K·R, D], gate/bias [D],
// skip/kernel [D, S], skip/bias [S], then (all but the last layer)
// residual/kernel [D, R], residual/bias [R]; output/hidden/kernel [S, S],
// output/hidden/bias [S]; output/kernel [S, V], output/bias [V].
//
// As in gcnn-step.h, every layer's filter and gate kernels are gathered side
// by side into one [K·R, 2D] kernel in the workspace, so conv_unit.cc runs the
// gated unit as one convolution of width 2D with tanh·σ in its epilogue (the
// model concatenates them the same way), and the gradient is scattered back
// into the two halves' slots. The 1×1 convolutions are single products over
// the [B·T, ·] rows.
//
// Dropout (rate > 0) uses the TCN step's masks (tcn_dropout_keeps: a
// counter-based hash of seed, unit = layer index, and element of the layer's
// [B·T, D] gated output), so tcnDropoutMask gives them to tests.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "step-common.h"
#include "tcn-step.h"

namespace sk {

struct WavenetDims {
  int V, I, E, R, D, S;           // output units (classes), input width (alphabet or features), embedding, residual, dilation (each half of the gate) and skip channels
  int stacks, layersPerStack, K;  // layer i has dilation 2^(i mod layersPerStack); K: the gated convolutions' kernel
};

/** The input convolution's kernel, as the model's WAVENET_INPUT_KERNEL. */
constexpr int kWavenetInputKernel = 2;

inline int wavenet_layers(const WavenetDims& d) { return d.stacks * d.layersPerStack; }
inline int wavenet_dilation(const WavenetDims& d, int i) { return 1 << (i % d.layersPerStack); }
/** Every layer but the last adds a residual projection to its input (the last one's would be dead weight). */
inline bool wavenet_has_residual(const WavenetDims& d, int i) { return i < wavenet_layers(d) - 1; }

/** Offsets of every tensor inside one P-sized part of the arena; rW, rB are unused for the last layer. */
struct WavenetLayout {
  std::size_t inW, inB, cW, cB, hidW, hidB, outW, outB, P;
  std::vector<std::size_t> fW, fB, gW, gB, sW, sB, rW, rB;  // per layer
};
WavenetLayout wavenet_layout(const WavenetDims& d);

/** Activations, gathered kernels and gradient scratch of one step, grown on demand and reused. */
struct WavenetWorkspace {
  std::vector<float> x0, skipSum, head, hidden, logits, dlogits, dhidden, dskip, dres, dxconv, dz, dx0;
  std::vector<float> dw, db;                        // one layer's gathered gradients: [K·R, 2D], [2D]
  std::vector<std::vector<float>> kernels, biases;  // per layer, [filter | gate]: [K·R, 2D], [2D]
  std::vector<std::vector<float>> xs;               // per layer: its input [B·T, R] (xs[0]: the input convolution's output)
  std::vector<std::vector<float>> zs, outs;         // per layer: pre-activations [B·T, 2D], gated output after dropout [B·T, D]
  std::vector<std::vector<uint8_t>> keeps;          // per layer, with dropout: 1 where its output element is kept
};

/** One step on B rows of T positions (a WaveNet has no state between windows); dropout as the TCN step's. */
StepResult wavenet_train_step(const WavenetDims& d, WavenetWorkspace& ws, int B, int T, const StepInput& in, const StepTargets& targets,
                              float* arena, const StepOptions& o, const TcnDropout& dropout);

}  // namespace sk
