// Argument checking shared by the addon's Node-API functions (addon.cc,
// train-step-napi.cc): every shape a whole number, every array of the exact
// length its shapes give, every index inside its range, before any kernel
// runs; errors become JS exceptions that name the function and the argument.
#pragma once
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace sk {

struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(napi_status s, const char* what) {
  if (s != napi_ok) throw std::runtime_error(std::string("Node-API call failed: ") + what);
}

class Args {
 public:
  Args(napi_env env, napi_callback_info info, std::size_t expected, const char* fn) : env_(env), fn_(fn), argv_(expected) {
    std::size_t argc = expected;
    check(napi_get_cb_info(env, info, &argc, argv_.data(), nullptr, nullptr), "get_cb_info");
    if (argc != expected) throw ArgError(std::string(fn) + ": expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }

  /** Argument i as a whole number in [min, 2^31). */
  int integer(std::size_t i, const char* name, int min = 0) {
    double v;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok || v != static_cast<double>(static_cast<int64_t>(v)) || v < min || v > 2147483647.0)
      throw ArgError(std::string(fn_) + ": " + name + " must be a whole number >= " + std::to_string(min));
    return static_cast<int>(v);
  }

  /** Argument i as a whole number in [0, 2^53) (a seed: every such number is exact in a double). */
  uint64_t whole53(std::size_t i, const char* name) {
    double v;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok || !(v >= 0) || v >= 9007199254740992.0 || v != std::floor(v))
      throw ArgError(std::string(fn_) + ": " + name + " must be a whole number in [0, 2^53)");
    return static_cast<uint64_t>(v);
  }

  /** Argument i as it came (a session handle). */
  napi_value value(std::size_t i) const { return argv_[i]; }

  /** The function's name, for messages. */
  const char* fn() const { return fn_; }

  bool flag(std::size_t i, const char* name) {
    bool v;
    if (napi_get_value_bool(env_, argv_[i], &v) != napi_ok) throw ArgError(std::string(fn_) + ": " + name + " must be a boolean");
    return v;
  }

  /** True when argument i is a typed array of `type` (to tell token ids from features before checking either). */
  bool is_typed(std::size_t i, napi_typedarray_type type) {
    bool is;
    check(napi_is_typedarray(env_, argv_[i], &is), "is_typedarray");
    if (!is) return false;
    napi_typedarray_type got;
    check(napi_get_typedarray_info(env_, argv_[i], &got, nullptr, nullptr, nullptr, nullptr), "get_typedarray_info");
    return got == type;
  }

  /** Argument i as null (or undefined): nullptr, else as floats(i, name, length). */
  const float* optional_floats(std::size_t i, const char* name, std::size_t length) {
    napi_valuetype kind;
    check(napi_typeof(env_, argv_[i], &kind), "typeof");
    if (kind == napi_null || kind == napi_undefined) return nullptr;
    return floats(i, name, length);
  }

  /** Argument i as a Float32Array of exactly `length` elements. */
  const float* floats(std::size_t i, const char* name, std::size_t length) {
    return static_cast<const float*>(typed(i, name, napi_float32_array, "a Float32Array", length));
  }

  /** Argument i as a finite number. */
  double number(std::size_t i, const char* name) {
    double v;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok || !std::isfinite(v)) throw ArgError(std::string(fn_) + ": " + name + " must be a finite number");
    return v;
  }

  /** Elements of argument i, a Float32Array (of any length). */
  std::size_t float_count(std::size_t i, const char* name) {
    bool is;
    check(napi_is_typedarray(env_, argv_[i], &is), "is_typedarray");
    napi_typedarray_type got;
    std::size_t n = 0;
    if (is) check(napi_get_typedarray_info(env_, argv_[i], &got, &n, nullptr, nullptr, nullptr), "get_typedarray_info");
    if (!is || got != napi_float32_array) throw ArgError(std::string(fn_) + ": " + name + " must be a Float32Array");
    return n;
  }

  /** Argument i as a Float32Array of exactly `length` elements that the kernel writes in place. */
  float* writable_floats(std::size_t i, const char* name, std::size_t length) {
    return static_cast<float*>(typed(i, name, napi_float32_array, "a Float32Array", length));
  }

  /** Argument i as an Int32Array of exactly `length` elements, each in [0, bound). */
  const int32_t* indices(std::size_t i, const char* name, std::size_t length, int bound) {
    const int32_t* v = static_cast<const int32_t*>(typed(i, name, napi_int32_array, "an Int32Array", length));
    for (std::size_t k = 0; k < length; ++k) {
      if (v[k] < 0 || v[k] >= bound)
        throw ArgError(std::string(fn_) + ": " + name + "[" + std::to_string(k) + "] = " + std::to_string(v[k]) + " is outside 0.." + std::to_string(bound - 1));
    }
    return v;
  }

 private:
  /** The data of argument i, a typed array of `type` with exactly `length` elements. */
  void* typed(std::size_t i, const char* name, napi_typedarray_type type, const char* what, std::size_t length) {
    bool is;
    check(napi_is_typedarray(env_, argv_[i], &is), "is_typedarray");
    napi_typedarray_type got;
    std::size_t n;
    void* data;
    if (is) check(napi_get_typedarray_info(env_, argv_[i], &got, &n, &data, nullptr, nullptr), "get_typedarray_info");
    if (!is || got != type) throw ArgError(std::string(fn_) + ": " + name + " must be " + what);
    if (n != length)
      throw ArgError(std::string(fn_) + ": " + name + " has " + std::to_string(n) + " elements, expected " + std::to_string(length));
    return data;
  }

  napi_env env_;
  const char* fn_;
  std::vector<napi_value> argv_;
};

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

}  // namespace sk
