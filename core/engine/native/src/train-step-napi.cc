// Node-API bindings of the whole native training steps: the recurrent language
// models' (train-step.cc), the TCN's (tcn-step.cc), the GCNN's
// (gcnn-step.cc) and the WaveNet's (wavenet-step.cc). A session is a
// workspace kept between steps behind a JS external, tagged with its model
// family so a step never runs on the other family's workspace. A session
// knows its input width I (the alphabet for token ids, the feature width for
// features) apart from its V output units, and every step takes either kind
// of input and any task's targets (categorical, bernoulli, regression) with an
// optional mask (step_data). Every array's length and every token is checked
// against the session's shapes before the step runs; errors name the argument.
#include <node_api.h>

#include <string>

#include "gcnn-step.h"
#include "napi-args.h"
#include "tcn-step.h"
#include "train-step.h"
#include "wavenet-step.h"

namespace sk {
namespace {

enum class Family : int { Recurrent = 0x5e9ab001, Tcn = 0x5e9ab002, Gcnn = 0x5e9ab003, Wavenet = 0x5e9ab004 };

struct RecurrentSession {
  Family family = Family::Recurrent;
  LmDims dims;
  LmWorkspace ws;
};

struct TcnSession {
  Family family = Family::Tcn;
  TcnDims dims;
  TcnWorkspace ws;
};

struct GcnnSession {
  Family family = Family::Gcnn;
  GcnnDims dims;
  GcnnWorkspace ws;
};

struct WavenetSession {
  Family family = Family::Wavenet;
  WavenetDims dims;
  WavenetWorkspace ws;
};

/** [session, P]: the workspace behind an external (freed with it) and the floats of one arena part. */
template <typename Session>
napi_value session_pair(napi_env env, Session* s, std::size_t P) {
  napi_value external, out, count;
  const napi_status st = napi_create_external(
      env, s, [](napi_env, void* data, void*) { delete static_cast<Session*>(data); }, nullptr, &external);
  if (st != napi_ok) {
    delete s;
    check(st, "create_external");
  }
  check(napi_create_array_with_length(env, 2, &out), "create_array");
  check(napi_set_element(env, out, 0, external), "set_element");
  check(napi_create_double(env, static_cast<double>(P), &count), "create_double");
  check(napi_set_element(env, out, 1, count), "set_element");
  return out;
}

/** The session behind argument 0, refused unless it was made by `maker` for this family. */
template <typename Session>
Session& session_of(napi_env env, Args& a, Family family, const char* maker) {
  void* raw = nullptr;
  napi_valuetype kind;
  check(napi_typeof(env, a.value(0), &kind), "typeof");
  if (kind == napi_external) check(napi_get_value_external(env, a.value(0), &raw), "get_value_external");
  // Every session type starts with its family tag, so reading it is defined whichever one this is.
  if (!raw || *static_cast<const Family*>(raw) != family) throw ArgError(std::string(a.fn()) + ": session must come from " + maker);
  return *static_cast<Session*>(raw);
}

/** The optimiser's arguments at..at+6: optimizer, lr, beta1, beta2, epsilon, stepSize, clip. */
StepOptions step_options(Args& a, std::size_t at) {
  const int optimizer = a.integer(at, "optimizer");
  if (optimizer > 2) throw ArgError(std::string(a.fn()) + ": optimizer must be 0 (adam), 1 (sgd) or 2 (none)");
  const double beta1 = a.number(at + 2, "beta1"), beta2 = a.number(at + 3, "beta2");
  // 1 − β is taken in double and then rounded, as the reference's tf.mul(g, 1 − beta1) does.
  return StepOptions{optimizer,
                     static_cast<float>(a.number(at + 1, "lr")),
                     static_cast<float>(beta1),
                     static_cast<float>(beta2),
                     static_cast<float>(1 - beta1),
                     static_cast<float>(1 - beta2),
                     static_cast<float>(a.number(at + 4, "epsilon")),
                     static_cast<float>(a.number(at + 5, "stepSize")),
                     a.number(at + 6, "clip")};
}

/** [loss, norm, applied] */
napi_value step_result(napi_env env, const StepResult& r) {
  napi_value out, value;
  check(napi_create_array_with_length(env, 3, &out), "create_array");
  check(napi_create_double(env, r.loss, &value), "create_double");
  check(napi_set_element(env, out, 0, value), "set_element");
  check(napi_create_double(env, r.norm, &value), "create_double");
  check(napi_set_element(env, out, 1, value), "set_element");
  check(napi_get_boolean(env, r.applied, &value), "get_boolean");
  check(napi_set_element(env, out, 2, value), "set_element");
  return out;
}

/** Argument i as a dropout rate in [0, 1). */
double dropout_rate(Args& a, std::size_t i, const char* name) {
  const double rate = a.number(i, name);
  if (rate < 0 || rate >= 1) throw ArgError(std::string(a.fn()) + ": " + name + " must be in [0, 1)");
  return rate;
}

/** A step's window: its inputs and its targets (with the output kind and the mask). */
struct StepData {
  StepInput in;
  StepTargets targets;
};

/**
 * Arguments at..at+3 of every step: inputs (Int32Array [B·T] ids in [0, I), or Float32Array [B·T·I]
 * features), targets (Int32Array [B·T] classes in [0, V) for categorical, else Float32Array [B·T·V]),
 * output (0 categorical, 1 bernoulli, 2 regression) and mask (Float32Array [B·T] or null).
 */
StepData step_data(Args& a, std::size_t at, std::size_t rows, int I, int V) {
  StepData d{{nullptr, nullptr, I}, {OutputKind::Categorical, nullptr, nullptr, nullptr}};
  if (a.is_typed(at, napi_int32_array))
    d.in.ids = a.indices(at, "inputs", rows, I);
  else if (a.is_typed(at, napi_float32_array))
    d.in.feats = a.floats(at, "inputs", rows * I);
  else
    throw ArgError(std::string(a.fn()) + ": inputs must be an Int32Array (token ids) or a Float32Array (features)");
  const int output = a.integer(at + 2, "output");
  if (output > 2) throw ArgError(std::string(a.fn()) + ": output must be 0 (categorical), 1 (bernoulli) or 2 (regression)");
  d.targets.kind = static_cast<OutputKind>(output);
  if (d.targets.kind == OutputKind::Categorical)
    d.targets.classes = a.indices(at + 1, "targets", rows, V);
  else
    d.targets.values = a.floats(at + 1, "targets", rows * V);
  d.targets.mask = a.optional_floats(at + 3, "mask", rows);
  return d;
}

// trainStepSession(cell, V, I, E, H, L) -> [session, P]: cell 0 RNN, 1 LSTM, 2 GRU; P floats per arena part.
napi_value TrainStepSession(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 6, "trainStepSession");
    const int cell = a.integer(0, "cell");
    if (cell > 2) throw ArgError("trainStepSession: cell must be 0 (rnn), 1 (lstm) or 2 (gru)");
    auto* s = new RecurrentSession;
    s->dims = {static_cast<Cell>(cell), a.integer(1, "vocab", 1), a.integer(2, "inputWidth", 1), a.integer(3, "embed", 1),
               a.integer(4, "hidden", 1), a.integer(5, "layers", 1)};
    return session_pair(env, s, lm_layout(s->dims).P);
  });
}

// trainStep(session, B, T, inputs, targets, output, mask, state, arena, dropout, seed, optimizer, lr, beta1, beta2, epsilon,
//   stepSize, clip)
//   -> [loss, norm, applied]; seed (a whole number below 2^53) fixes the step's dropout masks (tcnDropoutMask's, unit = layer).
napi_value TrainStep(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 18, "trainStep");
    auto& s = session_of<RecurrentSession>(env, a, Family::Recurrent, "trainStepSession");
    const LmDims& d = s.dims;
    const int B = a.integer(1, "batch", 1), T = a.integer(2, "time", 1);
    const std::size_t rows = std::size_t(B) * T;
    const StepData data = step_data(a, 3, rows, d.I, d.V);
    float* state = a.writable_floats(7, "state", std::size_t(d.L) * states_per_layer(d.cell) * B * d.H);
    float* arena = a.writable_floats(8, "arena", 4 * lm_layout(d).P);
    const TcnDropout dropout{dropout_rate(a, 9, "dropout"), a.whole53(10, "seed")};
    return step_result(env, lm_train_step(d, s.ws, B, T, data.in, data.targets, state, arena, step_options(a, 11), dropout));
  });
}

/**
 * The binding of a step with no state between windows (TCN, GCNN, WaveNet):
 * fn(session, B, T, inputs, targets, output, mask, arena, dropout, seed, optimizer, lr, beta1, beta2, epsilon, stepSize, clip)
 *   -> [loss, norm, applied]; seed (a whole number below 2^53) fixes the step's dropout masks (tcnDropoutMask's).
 * `layout` gives the family's arena size, `train_step` runs it.
 */
template <typename Session, typename Layout, typename TrainStep>
napi_value stateless_step(napi_env env, napi_callback_info info, const char* fn, Family family, const char* opener, Layout layout,
                          TrainStep train_step) {
  return guarded(env, [&] {
    Args a(env, info, 17, fn);
    auto& s = session_of<Session>(env, a, family, opener);
    const int B = a.integer(1, "batch", 1), T = a.integer(2, "time", 1);
    const std::size_t rows = std::size_t(B) * T;
    const StepData data = step_data(a, 3, rows, s.dims.I, s.dims.V);
    float* arena = a.writable_floats(7, "arena", 4 * layout(s.dims).P);
    const TcnDropout dropout{dropout_rate(a, 8, "dropout"), a.whole53(9, "seed")};
    return step_result(env, train_step(s.dims, s.ws, B, T, data.in, data.targets, arena, step_options(a, 10), dropout));
  });
}

// tcnStepSession(V, I, E, H, levels, K, convsPerBlock, weightNorm, residual) -> [session, P]
napi_value TcnStepSession(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9, "tcnStepSession");
    const TcnDims d{a.integer(0, "vocab", 1),
                    a.integer(1, "inputWidth", 1),
                    a.integer(2, "embed", 1),
                    a.integer(3, "hidden", 1),
                    a.integer(4, "levels", 1),
                    a.integer(5, "kernel", 1),
                    a.integer(6, "convsPerBlock", 1),
                    a.flag(7, "weightNorm"),
                    a.flag(8, "residual")};
    // The dilation 2^level, and the shift (K−1)·2^level with it, must stay an int.
    if (d.levels > 24) throw ArgError("tcnStepSession: levels must be at most 24");
    auto* s = new TcnSession;
    s->dims = d;
    return session_pair(env, s, tcn_layout(d).P);
  });
}

// tcnStep: stateless_step over its session, layout and step.
napi_value TcnStep(napi_env env, napi_callback_info info) {
  return stateless_step<TcnSession>(env, info, "tcnStep", Family::Tcn, "tcnStepSession", tcn_layout, tcn_train_step);
}

// gcnnStepSession(V, I, E, H, levels, K, convsPerBlock, weightNorm, dilated) -> [session, P]
napi_value GcnnStepSession(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9, "gcnnStepSession");
    const GcnnDims d{a.integer(0, "vocab", 1),
                     a.integer(1, "inputWidth", 1),
                     a.integer(2, "embed", 1),
                     a.integer(3, "hidden", 1),
                     a.integer(4, "levels", 1),
                     a.integer(5, "kernel", 1),
                     a.integer(6, "convsPerBlock", 1),
                     a.flag(7, "weightNorm"),
                     a.flag(8, "dilated")};
    // A dilation 2^level, and the shift (K−1)·2^level with it, must stay an int.
    if (d.dilated && d.levels > 24) throw ArgError("gcnnStepSession: levels must be at most 24 when dilated");
    auto* s = new GcnnSession;
    s->dims = d;
    return session_pair(env, s, gcnn_layout(d).P);
  });
}

// gcnnStep: stateless_step over its session, layout and step.
napi_value GcnnStep(napi_env env, napi_callback_info info) {
  return stateless_step<GcnnSession>(env, info, "gcnnStep", Family::Gcnn, "gcnnStepSession", gcnn_layout, gcnn_train_step);
}

// wavenetStepSession(V, I, E, R, D, S, stacks, layersPerStack, K) -> [session, P]
napi_value WavenetStepSession(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9, "wavenetStepSession");
    const WavenetDims d{a.integer(0, "vocab", 1),
                        a.integer(1, "inputWidth", 1),
                        a.integer(2, "embed", 1),
                        a.integer(3, "residual", 1),
                        a.integer(4, "dilation", 1),
                        a.integer(5, "skip", 1),
                        a.integer(6, "stacks", 1),
                        a.integer(7, "layersPerStack", 1),
                        a.integer(8, "kernel", 1)};
    // The dilation 2^(layersPerStack − 1), and the shift (K−1)·dilation with it, must stay an int.
    if (d.layersPerStack > 24) throw ArgError("wavenetStepSession: layersPerStack must be at most 24");
    auto* s = new WavenetSession;
    s->dims = d;
    return session_pair(env, s, wavenet_layout(d).P);
  });
}

// wavenetStep: stateless_step over its session, layout and step.
napi_value WavenetStep(napi_env env, napi_callback_info info) {
  return stateless_step<WavenetSession>(env, info, "wavenetStep", Family::Wavenet, "wavenetStepSession", wavenet_layout,
                                        wavenet_train_step);
}

// tcnDropoutMask(seed, unit, n, rate) -> Float32Array [n]: the multipliers (0 or 1/(1 − rate)) tcnStep with this
// seed and rate applies to the first n outputs ([B·T, H] row-major) of convolution `unit` (level·convsPerBlock + c).
napi_value TcnDropoutMask(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4, "tcnDropoutMask");
    const uint64_t seed = a.whole53(0, "seed");
    const int unit = a.integer(1, "unit");
    const int n = a.integer(2, "n");
    const double rate = dropout_rate(a, 3, "rate");
    napi_value buffer, out;
    void* data = nullptr;
    check(napi_create_arraybuffer(env, std::size_t(n) * sizeof(float), &data, &buffer), "create_arraybuffer");
    tcn_dropout_mask(seed, unit, std::size_t(n), rate, static_cast<float*>(data));
    check(napi_create_typedarray(env, napi_float32_array, std::size_t(n), buffer, 0, &out), "create_typedarray");
    return out;
  });
}

}  // namespace

void register_train_step(napi_env env, napi_value exports) {
  // stepWindow: 1 marks the bindings above (sessions with an input width, steps taking inputs, targets, output, mask),
  // so the JS side can tell them from an older addon's token-only ones, which would refuse the longer calls.
  napi_value window;
  check(napi_create_uint32(env, 1, &window), "create_uint32");
  const napi_property_descriptor props[] = {
      {"stepWindow", nullptr, nullptr, nullptr, nullptr, window, napi_enumerable, nullptr},
      {"trainStepSession", nullptr, TrainStepSession, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"trainStep", nullptr, TrainStep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"tcnStepSession", nullptr, TcnStepSession, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"tcnStep", nullptr, TcnStep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"tcnDropoutMask", nullptr, TcnDropoutMask, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gcnnStepSession", nullptr, GcnnStepSession, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gcnnStep", nullptr, GcnnStep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"wavenetStepSession", nullptr, WavenetStepSession, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"wavenetStep", nullptr, WavenetStep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace sk
