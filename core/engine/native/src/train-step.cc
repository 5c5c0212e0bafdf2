// The whole training step of a recurrent language model (train-step.h): the
// same passes the fused kernels run one by one behind TF.js (recurrent.cc,
// loss.cc, optimizer.cc), chained here over buffers that stay put between
// steps, so nothing crosses into JS but the loss, the norm and the new state.
#include "train-step.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "gemm.h"
#include "kernels.h"

namespace sk {
namespace {

typedef std::ptrdiff_t idx;

int gate_width(Cell c, int H) { return c == Cell::Lstm ? 4 * H : c == Cell::Gru ? 3 * H : H; }
int bias_size(Cell c, int H) { return c == Cell::Lstm ? 4 * H : c == Cell::Gru ? 6 * H : H; }

void grow(std::vector<float>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

/** out[j] = Σ_r m[r, j] over a [rows, cols] matrix (summed in row order, as the reference's column sums). */
void column_sums(const float* m, idx rows, int cols, float* out) {
  std::memset(out, 0, cols * sizeof(float));
  for (idx r = 0; r < rows; ++r) {
    const float* row = m + r * cols;
    for (int j = 0; j < cols; ++j) out[j] += row[j];
  }
}

}  // namespace

LmLayout lm_layout(const LmDims& d) {
  LmLayout l;
  const std::size_t G = gate_width(d.cell, d.H);
  std::size_t at = 0;
  l.inW = at;
  at += std::size_t(d.V) * d.E;
  l.inB = at;
  at += d.E;
  for (int k = 0; k < d.L; ++k) {
    const std::size_t in = k == 0 ? d.E : d.H;
    l.W.push_back(at);
    at += in * G;
    l.U.push_back(at);
    at += std::size_t(d.H) * G;
    l.b.push_back(at);
    at += bias_size(d.cell, d.H);
  }
  l.outW = at;
  at += std::size_t(d.H) * d.V;
  l.outB = at;
  at += d.V;
  l.P = at;
  return l;
}

StepResult lm_train_step(const LmDims& d, LmWorkspace& ws, int B, int T, const int32_t* ids, const int32_t* targets, float* state,
                         float* arena, const StepOptions& o) {
  const LmLayout lay = lm_layout(d);
  const std::size_t P = lay.P;
  float* w = arena;
  float* g = arena + P;
  float* m = arena + 2 * P;
  float* v = arena + 3 * P;
  const int E = d.E, H = d.H, V = d.V, L = d.L, S = states_per_layer(d.cell), G = gate_width(d.cell, H);
  const idx rows = idx(B) * T, BH = idx(B) * H;
  const idx widest = E > H ? E : H;

  grow(ws.x0, rows * E);
  grow(ws.logits, rows * V);
  grow(ws.dlogits, rows * V);
  grow(ws.bufA, rows * widest);
  grow(ws.bufB, rows * widest);
  grow(ws.stateIn, L * S * BH);
  grow(ws.dh0, BH);
  grow(ws.dc0, BH);
  ws.dcT.assign(BH, 0.f);  // the loss does not read the last cell state
  ws.hs.resize(L);
  ws.aux.resize(L);
  ws.cs.resize(L);
  ws.cT.resize(L);
  std::memcpy(ws.stateIn.data(), state, L * S * BH * sizeof(float));

  // Embedding: row ids[r] of input/kernel plus input/bias (the one-hot product's exact value).
  {
    const float* inW = w + lay.inW;
    const float* inB = w + lay.inB;
    for (idx r = 0; r < rows; ++r) {
      const float* row = inW + idx(ids[r]) * E;
      float* x = ws.x0.data() + r * E;
      for (int j = 0; j < E; ++j) x[j] = row[j] + inB[j];
    }
  }

  // Forward through the layers.
  for (int l = 0; l < L; ++l) {
    const SeqDims sd{B, T, l == 0 ? E : H, H};
    const float* x = l == 0 ? ws.x0.data() : ws.hs[l - 1].data();
    const float* h0 = ws.stateIn.data() + idx(l) * S * BH;
    grow(ws.hs[l], rows * H);
    const float *W = w + lay.W[l], *U = w + lay.U[l], *b = w + lay.b[l];
    switch (d.cell) {
      case Cell::Lstm:
        grow(ws.aux[l], rows * G);
        grow(ws.cs[l], rows * H);
        grow(ws.cT[l], BH);
        lstm_forward(sd, x, W, U, b, h0, h0 + BH, ws.hs[l].data(), ws.cT[l].data(), ws.aux[l].data(), ws.cs[l].data());
        break;
      case Cell::Gru:
        grow(ws.aux[l], rows * 4 * H);
        gru_forward(sd, x, W, U, b, h0, ws.hs[l].data(), ws.aux[l].data());
        break;
      case Cell::Rnn:
        rnn_forward(sd, x, W, U, b, h0, ws.hs[l].data());
        break;
    }
  }
  const float* top = ws.hs[L - 1].data();

  // Read-out and loss (the loss pass writes dL/dlogits beside it).
  const float* outW = w + lay.outW;
  gemm(int(rows), V, H, top, H, false, outW, V, false, ws.logits.data(), V, false);
  {
    const float* outB = w + lay.outB;
    for (idx r = 0; r < rows; ++r) {
      float* row = ws.logits.data() + r * V;
      for (int j = 0; j < V; ++j) row[j] += outB[j];
    }
  }
  const float loss = softmax_cross_entropy(int(rows), V, ws.logits.data(), targets, ws.dlogits.data());

  // Backward: read-out, then the layers from the top, then the embedding.
  gemm(H, V, int(rows), top, H, true, ws.dlogits.data(), V, false, g + lay.outW, V, false);
  column_sums(ws.dlogits.data(), rows, V, g + lay.outB);
  float* dhs = ws.bufA.data();
  float* dx = ws.bufB.data();
  gemm(int(rows), H, V, ws.dlogits.data(), V, false, outW, V, true, dhs, H, false);
  for (int l = L - 1; l >= 0; --l) {
    const SeqDims sd{B, T, l == 0 ? E : H, H};
    const float* x = l == 0 ? ws.x0.data() : ws.hs[l - 1].data();
    const float* h0 = ws.stateIn.data() + idx(l) * S * BH;
    const float *W = w + lay.W[l], *U = w + lay.U[l];
    float *dW = g + lay.W[l], *dU = g + lay.U[l], *db = g + lay.b[l];
    switch (d.cell) {
      case Cell::Lstm:
        lstm_backward(sd, x, W, U, h0, h0 + BH, ws.aux[l].data(), ws.cs[l].data(), ws.hs[l].data(), dhs, ws.dcT.data(), dx, dW, dU, db,
                      ws.dh0.data(), ws.dc0.data());
        break;
      case Cell::Gru:
        gru_backward(sd, x, W, U, h0, ws.hs[l].data(), ws.aux[l].data(), dhs, dx, dW, dU, db, ws.dh0.data());
        break;
      case Cell::Rnn:
        rnn_backward(sd, x, W, U, h0, ws.hs[l].data(), dhs, dx, dW, dU, db, ws.dh0.data());
        break;
    }
    std::swap(dhs, dx);  // this layer's input gradient is the next one down's output gradient
  }
  {
    float* dInW = g + lay.inW;
    std::memset(dInW, 0, std::size_t(V) * E * sizeof(float));
    for (idx r = 0; r < rows; ++r) {
      float* row = dInW + idx(ids[r]) * E;
      const float* src = dhs + r * E;
      for (int j = 0; j < E; ++j) row[j] += src[j];
    }
    column_sums(dhs, rows, E, g + lay.inB);
  }

  // The next window's state: h = hs[:, T−1] (and c = cT) per layer.
  for (int l = 0; l < L; ++l) {
    float* h = state + idx(l) * S * BH;
    for (int b = 0; b < B; ++b) std::memcpy(h + idx(b) * H, ws.hs[l].data() + (idx(b) * T + T - 1) * H, H * sizeof(float));
    if (d.cell == Cell::Lstm) std::memcpy(h + BH, ws.cT[l].data(), BH * sizeof(float));
  }

  // Global norm, clipping and the update, over the whole arena at once.
  const float norm = static_cast<float>(std::sqrt(sum_of_squares(P, g)));
  StepResult result{loss, norm, std::isfinite(loss) && std::isfinite(norm)};
  if (!result.applied || o.optimizer == 2) return result;
  if (o.clip > 0 && norm > o.clip) {
    // The reference scales by maxNorm/norm taken in double and uploaded as a float32 scalar.
    const float scale = static_cast<float>(o.clip / static_cast<double>(norm));
    for (std::size_t i = 0; i < P; ++i) g[i] = g[i] * scale;
  }
  if (o.optimizer == 0) {
    const AdamConstants c{o.beta1, o.beta2, o.oneMinusBeta1, o.oneMinusBeta2, o.epsilon, o.stepSize};
    adam_update(P, w, m, v, g, c);
  } else {
    sgd_update(P, w, g, o.lr);
  }
  return result;
}

// ---- Node-API --------------------------------------------------------------

namespace {

struct Session {
  LmDims dims;
  LmWorkspace ws;
};

struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void ok(napi_status s, const char* what) {
  if (s != napi_ok) throw std::runtime_error(std::string("Node-API call failed: ") + what);
}

std::vector<napi_value> args_of(napi_env env, napi_callback_info info, std::size_t expected, const char* fn) {
  std::vector<napi_value> argv(expected);
  std::size_t argc = expected;
  ok(napi_get_cb_info(env, info, &argc, argv.data(), nullptr, nullptr), "get_cb_info");
  if (argc != expected) throw ArgError(std::string(fn) + ": expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  return argv;
}

int whole(napi_env env, napi_value value, const char* fn, const char* name, int min) {
  double x;
  if (napi_get_value_double(env, value, &x) != napi_ok || x != std::floor(x) || x < min || x > 2147483647.0)
    throw ArgError(std::string(fn) + ": " + name + " must be a whole number >= " + std::to_string(min));
  return static_cast<int>(x);
}

double finite(napi_env env, napi_value value, const char* fn, const char* name) {
  double x;
  if (napi_get_value_double(env, value, &x) != napi_ok || !std::isfinite(x)) throw ArgError(std::string(fn) + ": " + name + " must be a finite number");
  return x;
}

void* typed(napi_env env, napi_value value, napi_typedarray_type type, const char* fn, const char* name, std::size_t length) {
  bool is = false;
  ok(napi_is_typedarray(env, value, &is), "is_typedarray");
  napi_typedarray_type got;
  std::size_t n = 0;
  void* data = nullptr;
  if (is) ok(napi_get_typedarray_info(env, value, &got, &n, &data, nullptr, nullptr), "get_typedarray_info");
  if (!is || got != type)
    throw ArgError(std::string(fn) + ": " + name + (type == napi_int32_array ? " must be an Int32Array" : " must be a Float32Array"));
  if (n != length) throw ArgError(std::string(fn) + ": " + name + " has " + std::to_string(n) + " elements, expected " + std::to_string(length));
  return data;
}

template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const ArgError& e) {
    napi_throw_type_error(env, "ERR_SEQLAB_KERNEL_ARG", e.what());
  } catch (const std::bad_alloc&) {
    napi_throw_range_error(env, "ERR_SEQLAB_KERNEL_MEMORY", "seqlab kernels: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_SEQLAB_KERNEL", e.what());
  }
  return nullptr;
}

// trainStepSession(cell, V, E, H, L) -> [session, P]: cell 0 RNN, 1 LSTM, 2 GRU; P floats per arena part.
napi_value TrainStepSession(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const char* fn = "trainStepSession";
    auto argv = args_of(env, info, 5, fn);
    const int cell = whole(env, argv[0], fn, "cell", 0);
    if (cell > 2) throw ArgError("trainStepSession: cell must be 0 (rnn), 1 (lstm) or 2 (gru)");
    auto* s = new Session{{static_cast<Cell>(cell), whole(env, argv[1], fn, "vocab", 1), whole(env, argv[2], fn, "embed", 1),
                           whole(env, argv[3], fn, "hidden", 1), whole(env, argv[4], fn, "layers", 1)},
                          {}};
    napi_value external, out, count;
    const napi_status st = napi_create_external(
        env, s, [](napi_env, void* data, void*) { delete static_cast<Session*>(data); }, nullptr, &external);
    if (st != napi_ok) {
      delete s;
      ok(st, "create_external");
    }
    ok(napi_create_array_with_length(env, 2, &out), "create_array");
    ok(napi_set_element(env, out, 0, external), "set_element");
    ok(napi_create_double(env, static_cast<double>(lm_layout(s->dims).P), &count), "create_double");
    ok(napi_set_element(env, out, 1, count), "set_element");
    return out;
  });
}

// trainStep(session, B, T, ids, targets, state, arena, optimizer, lr, beta1, beta2, epsilon, stepSize, clip) -> [loss, norm, applied]
napi_value TrainStep(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const char* fn = "trainStep";
    auto argv = args_of(env, info, 14, fn);
    void* raw = nullptr;
    napi_valuetype kind;
    ok(napi_typeof(env, argv[0], &kind), "typeof");
    if (kind != napi_external) throw ArgError("trainStep: session must come from trainStepSession");
    ok(napi_get_value_external(env, argv[0], &raw), "get_value_external");
    Session& s = *static_cast<Session*>(raw);
    const LmDims& d = s.dims;
    const int B = whole(env, argv[1], fn, "batch", 1), T = whole(env, argv[2], fn, "time", 1);
    const std::size_t rows = std::size_t(B) * T;
    const auto* ids = static_cast<const int32_t*>(typed(env, argv[3], napi_int32_array, fn, "ids", rows));
    const auto* targets = static_cast<const int32_t*>(typed(env, argv[4], napi_int32_array, fn, "targets", rows));
    for (std::size_t k = 0; k < rows; ++k) {
      if (ids[k] < 0 || ids[k] >= d.V || targets[k] < 0 || targets[k] >= d.V)
        throw ArgError("trainStep: token " + std::to_string(ids[k]) + " or target " + std::to_string(targets[k]) + " at position " +
                       std::to_string(k) + " is outside 0.." + std::to_string(d.V - 1));
    }
    auto* state = static_cast<float*>(
        typed(env, argv[5], napi_float32_array, fn, "state", std::size_t(d.L) * states_per_layer(d.cell) * B * d.H));
    auto* arena = static_cast<float*>(typed(env, argv[6], napi_float32_array, fn, "arena", 4 * lm_layout(d).P));
    const int optimizer = whole(env, argv[7], fn, "optimizer", 0);
    if (optimizer > 2) throw ArgError("trainStep: optimizer must be 0 (adam), 1 (sgd) or 2 (none)");
    const double beta1 = finite(env, argv[9], fn, "beta1"), beta2 = finite(env, argv[10], fn, "beta2");
    // 1 − β is taken in double and then rounded, as the reference's tf.mul(g, 1 − beta1) does.
    const StepOptions o{optimizer,
                        static_cast<float>(finite(env, argv[8], fn, "lr")),
                        static_cast<float>(beta1),
                        static_cast<float>(beta2),
                        static_cast<float>(1 - beta1),
                        static_cast<float>(1 - beta2),
                        static_cast<float>(finite(env, argv[11], fn, "epsilon")),
                        static_cast<float>(finite(env, argv[12], fn, "stepSize")),
                        finite(env, argv[13], fn, "clip")};
    const StepResult r = lm_train_step(d, s.ws, B, T, ids, targets, state, arena, o);
    napi_value out, value;
    ok(napi_create_array_with_length(env, 3, &out), "create_array");
    ok(napi_create_double(env, r.loss, &value), "create_double");
    ok(napi_set_element(env, out, 0, value), "set_element");
    ok(napi_create_double(env, r.norm, &value), "create_double");
    ok(napi_set_element(env, out, 1, value), "set_element");
    ok(napi_get_boolean(env, r.applied, &value), "get_boolean");
    ok(napi_set_element(env, out, 2, value), "set_element");
    return out;
  });
}

}  // namespace

void register_train_step(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"trainStepSession", nullptr, TrainStepSession, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"trainStep", nullptr, TrainStep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace sk
