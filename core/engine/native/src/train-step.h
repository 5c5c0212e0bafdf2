// The whole training step of a recurrent model (RNN, LSTM or GRU) in one
// native call, on token ids or float features: input projection → 1..L
// recurrent layers → dense read-out → the task's loss (categorical, bernoulli
// or regression, optionally masked; step-common.h) → backward → global-norm clipping →
// Adam or SGD over every parameter. Parameters, gradients and the optimiser's
// moments live in one float arena the caller allocates once:
// [ parameters P | gradients P | Adam m P | Adam v P ], each part holding the
// model's tensors in its checkpoint order (core/ml/models/stacked-recurrent.ts):
// input/kernel [I,E], input/bias [E], per layer kernel [in,G],
// recurrent_kernel [H,G], bias (LSTM [4H], GRU [2,3H], RNN [H]),
// output/kernel [H,V], output/bias [V]. Activations live in a workspace kept
// between steps, so a step allocates nothing the JS side must collect.
//
// Dropout (rate > 0), where the reference (stacked-recurrent.ts) applies it in
// training: on every layer's output sequence hs [B·T, H], whether it feeds the
// next layer or the read-out; the layer's own output (so the next window's
// state) is left undropped. Layer l's output is dropout unit l
// (tcn_dropout_mask of step-common.h), in the reference's order of draws.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "step-common.h"

namespace sk {

enum class Cell : int { Rnn = 0, Lstm = 1, Gru = 2 };

struct LmDims {
  Cell cell;
  int V, I, E, H, L;  // output units (classes), input width (alphabet or features), embedding, hidden width, layers
};

/** Offsets of every tensor inside one P-sized part of the arena. */
struct LmLayout {
  std::size_t inW, inB, outW, outB, P;
  std::vector<std::size_t> W, U, b;  // per layer
};
LmLayout lm_layout(const LmDims& d);

/** State tensors per layer: [h, c] for the LSTM, [h] otherwise. */
inline int states_per_layer(Cell c) { return c == Cell::Lstm ? 2 : 1; }

/** Activations and gradient scratch of one step, grown on demand and reused. */
struct LmWorkspace {
  std::vector<float> x0, logits, dlogits, bufA, bufB, stateIn, dh0, dc0, dcT;
  std::vector<std::vector<float>> hs, aux, cs, cT;  // per layer; aux = LSTM gates or GRU cache
  std::vector<std::vector<float>> drops;             // per layer, with dropout: hs after its mask, what the layer above reads
  std::vector<std::vector<uint8_t>> keeps;           // per layer, with dropout: 1 where its output element is kept
};

/**
 * One step on B rows of T positions. `state` [L·S, B, H] (S = states_per_layer)
 * is read as the initial state and overwritten with the state after the
 * window, whether or not the update was applied (as the TF.js trainer does).
 */
StepResult lm_train_step(const LmDims& d, LmWorkspace& ws, int B, int T, const StepInput& in, const StepTargets& targets, float* state,
                         float* arena, const StepOptions& o, const TcnDropout& dropout);

/** Adds trainStepSession, trainStep, tcnStepSession and tcnStep to the addon's exports (train-step-napi.cc). */
void register_train_step(napi_env env, napi_value exports);

}  // namespace sk
