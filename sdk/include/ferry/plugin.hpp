// The plugin author's header: turn ordinary typed C++ functions into a ferry
// plugin.
//
//   #include <ferry/plugin.hpp>
//   bool is_prime(std::int64_t n);
//   FERRY_PLUGIN(math, "1.0") {
//       plugin.task("is_prime", is_prime, "true when n is prime");
//   }
//
// Build: g++ -std=c++20 -shared -fPIC -I sdk/include my_plugin.cpp -o libmy.so
//
// Parameters and results may be any type <ferry/convert.hpp> covers. A task
// may take `ferry::Context&` as its first parameter. Whatever a task throws
// is caught here and reported to the host as its type name and what();
// nothing but the C structs of <ferry/abi.h> leaves the library.
#pragma once

#include <cxxabi.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include <ferry/abi.h>
#include <ferry/codec.hpp>
#include <ferry/context.hpp>
#include <ferry/convert.hpp>
#include <ferry/schema.hpp>
#include <ferry/signature.hpp>
#include <ferry/value.hpp>
#include <ferry/wire_format.hpp>

namespace ferry {
namespace detail {

// A task as the SDK keeps it; the C descriptor points into these strings.
struct TaskEntry {
  std::string name, params, result, doc;
  std::string schema;  // TaskInfo::schema_text(): parameter names and struct fields
  std::function<std::int32_t(const ferry_call_v1*)> run;
  std::function<std::uint64_t(const ferry_batch_v1*)> run_batch;
};

inline void write_output(const ferry_call_v1* call, std::string_view bytes) {
  call->output.write(call->output.state, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

inline std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && name ? name.get() : mangled;
}

// Reports the exception in flight as "<type>\0<message>".
inline std::int32_t report_current_exception(const ferry_call_v1* call) {
  std::string type = "unknown", message = "unknown exception";
  try {
    throw;
  } catch (const std::exception& e) {
    type = demangle(typeid(e).name());
    message = e.what();
  } catch (...) {
    if (const std::type_info* t = abi::__cxa_current_exception_type()) type = demangle(t->name());
  }
  write_output(call, wire_format::task_error(type, message));
  return FERRY_TASK_ERROR;
}

// How a callable with parameters A... is called: Params holds the decoded
// arguments; a leading Context& is supplied by the worker, not decoded.
template <class R, class... A>
struct Invoker {
  using Params = std::tuple<std::decay_t<A>...>;
  template <class F>
  static R call(F& f, Context&, Params& p) {
    return call_plain(f, p);
  }
  template <class F>
  static R call_plain(F& f, Params& p) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return f(static_cast<A&&>(std::get<I>(p))...);
    }(std::index_sequence_for<A...>{});
  }
};
template <class R, class... A>
struct Invoker<R, Context&, A...> {
  using Params = std::tuple<std::decay_t<A>...>;
  template <class F>
  static R call(F& f, Context& ctx, Params& p) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return f(ctx, static_cast<A&&>(std::get<I>(p))...);
    }(std::index_sequence_for<A...>{});
  }
};

template <class Tuple>
struct ScalarParams : std::false_type {};
template <class... P>
struct ScalarParams<std::tuple<P...>> : std::bool_constant<codec::detail::all_arithmetic_v<P...>> {};

// Arguments sent as a Value list of scalars (every item of a pipeline's first
// task stage comes so) into scalar parameters, read straight from the
// archive without building a Value. False for anything it does not take
// exactly so: the general path in decode_params then decides.
template <class Params>
bool decode_scalar_args(std::string_view in, Params& p) {
  if constexpr (!ScalarParams<Params>::value) {
    return false;
  } else {
    ValueArchiveReader reader(in);
    if (!reader.take_list_of(std::tuple_size_v<Params>)) return false;
    const bool all = std::apply([&](auto&... a) { return (reader.take_scalar(a) && ...); }, p);
    return all && reader.remaining() == 0;
  }
}

template <class Params>
void decode_params(const ferry_call_v1* call, Params& p) {
  const std::string_view in(reinterpret_cast<const char*>(call->input), call->input_size);
  if (call->flags & FERRY_CALL_VALUE_IN) {
    if (decode_scalar_args(in, p)) return;
    const Value args = codec::decode_value(in);
    if (!args.is_list()) throw ValueError("arguments must be a list, got " + std::string(Value::kind_name(args.kind())));
    constexpr auto n = std::tuple_size_v<Params>;
    if (args.as_list().size() != n)
      throw ValueError("takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
                       std::to_string(args.as_list().size()));
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      [[maybe_unused]] auto one = [&](const Value& v, auto& slot, std::size_t i) {  // unused for no parameters
        try {
          from_value(v, slot);
        } catch (const ValueError& e) {
          throw ValueError("argument " + std::to_string(i + 1) + ": " + e.what());
        }
      };
      (one(args.as_list()[I], std::get<I>(p), I), ...);
    }(std::make_index_sequence<n>{});
  } else {
    std::apply([&](auto&... a) { codec::decode(in, a...); }, p);
  }
}

template <class... P>
constexpr bool has_handle_param(std::tuple<P...>*) {
  return (std::is_base_of_v<BindsToLink, P> || ...);
}

template <class R, class Inv, class F>
std::int32_t run_task(F& f, const ferry_call_v1* call) {
  typename Inv::Params params;
  try {
    // Shared-object handles among the arguments bind to this worker's manager.
    if constexpr (has_handle_param(static_cast<typename Inv::Params*>(nullptr)))
      current_link() = std::make_shared<HostManagerLink>(call->host);
    decode_params(call, params);
  } catch (const std::exception& e) {
    write_output(call, std::string("cannot decode arguments: ") + e.what());
    return FERRY_BAD_INPUT;
  }
  try {
    Context ctx(call);
    const bool as_value = (call->flags & FERRY_CALL_VALUE_OUT) != 0;
    if constexpr (std::is_void_v<R>) {
      Inv::call(f, ctx, params);
      write_output(call, as_value ? codec::encode_value(Value()) : std::string());
    } else {
      R r = Inv::call(f, ctx, params);
      if (as_value)
        write_output(call, codec::encode_value(to_value(r)));
      else if constexpr (codec::detail::all_arithmetic_v<R>)  // its encoding is its bytes: no string
        write_output(call, std::string_view(reinterpret_cast<const char*>(&r), sizeof r));
      else
        write_output(call, codec::encode(r));
    }
    return FERRY_OK;
  } catch (...) {
    return report_current_exception(call);
  }
}

// Whether items of a task with parameters Params and result R can be taken
// as their raw bytes and the result written as its own: every parameter is
// a number (not bool: not every byte is one), the result a number or bool,
// and the task takes no Context.
template <class Inv, class R>
struct RawScalarTask : std::false_type {};
template <class R, class... A>
struct RawScalarTask<Invoker<R, A...>, R>
    : std::bool_constant<codec::detail::all_arithmetic_v<std::decay_t<A>...> &&
                         !(std::is_same_v<std::decay_t<A>, bool> || ...) && codec::detail::all_arithmetic_v<R>> {};
template <class R, class... A>
struct RawScalarTask<Invoker<R, Context&, A...>, R> : std::false_type {};

// One item of a RawScalarTask sent typed: its arguments' bytes back to back,
// the result's bytes out. False (nothing written) when the input is not
// exactly that long: run_task then reports it as it always does.
template <class R, class Inv, class F>
bool run_raw_scalar(F& f, std::string_view in, std::string& out, std::int32_t& status) {
  typename Inv::Params params;
  constexpr std::size_t size = std::apply([](auto&... a) { return (std::size_t{0} + ... + sizeof(a)); }, params);
  if (in.size() != size) return false;
  std::size_t at = 0;
  std::apply([&](auto&... a) { ((std::memcpy(&a, in.data() + at, sizeof a), at += sizeof a), ...); }, params);
  const R r = Inv::call_plain(f, params);
  out.append(reinterpret_cast<const char*>(&r), sizeof r);
  status = FERRY_OK;
  return true;
}

// A batch of items, each run as run_task runs one call, the outputs
// collected and written through the batch's sink once.
// The buffer a batch's outputs are collected in; its capacity serves the
// next batch. Out of line, so a batch asks for it once: inlined, GCC
// recomputes a shared library's thread_local address (a call to
// __tls_get_addr) at every use in the loop.
[[gnu::noinline]] inline std::string& batch_buffer() {
  thread_local std::string out;
  return out;
}

template <class R, class Inv, class F>
std::uint64_t run_batch(F& f, const ferry_batch_v1* b) {
  std::string& out = batch_buffer();
  out.clear();
  ferry_call_v1 call{sizeof(ferry_call_v1), b->flags, nullptr, 0, ferry_sink_v1{&out, &append_to_string},
                     b->host, b->task_name, 0};
  const bool raw = RawScalarTask<Inv, R>::value && (b->flags & FERRY_CALL_VALUE) == 0;
  // A host of an older build passes a shorter struct, without `current`.
  std::uint64_t* current =
      b->struct_size >= offsetof(ferry_batch_v1, current) + sizeof(b->current) ? b->current : nullptr;
  std::uint64_t i = 0;
  for (std::uint32_t begin = 0; i < b->count;) {
    if (b->stop && __atomic_load_n(b->stop, __ATOMIC_RELAXED) != 0) break;
    if (current) __atomic_store_n(current, i, __ATOMIC_RELAXED);  // a task's own thread may log meanwhile
    const std::uint32_t end = b->input_ends[i];
    call.input = b->input + begin;
    call.input_size = end - begin;
    begin = end;
    std::int32_t status = FERRY_OK;
    bool done = false;
    if constexpr (RawScalarTask<Inv, R>::value) {
      if (raw) {
        const std::size_t start = out.size();
        try {
          done = run_raw_scalar<R, Inv>(f, {reinterpret_cast<const char*>(call.input), call.input_size}, out, status);
        } catch (...) {
          out.resize(start);
          status = report_current_exception(&call);
          done = true;
        }
      }
    }
    if (!done) status = run_task<R, Inv>(f, &call);
    b->statuses[i] = status;
    b->output_ends[i] = out.size();
    ++i;
    if (out.size() > b->max_output) break;
  }
  b->output.write(b->output.state, reinterpret_cast<const std::uint8_t*>(out.data()), out.size());
  if (out.capacity() > (std::size_t{64} << 20)) std::string().swap(out);  // a huge batch's memory goes back
  return i;
}

template <class Sig>
struct Signature;
template <class R, class... A>
struct Signature<std::function<R(A...)>> {
  using Inv = Invoker<R, A...>;
  using Result = R;
  static std::string params() { return params_of(static_cast<typename Inv::Params*>(nullptr)); }
  static constexpr std::size_t arity = std::tuple_size_v<typename Inv::Params>;
  // The user structs of the parameters and result, nested ones first.
  static std::vector<StructSchema> structs() { return struct_schemas<typename Inv::Params, R>(); }

 private:
  template <class... P>
  static std::string params_of(std::tuple<P...>*) { return params_signature<P...>(); }
};

}  // namespace detail

// Collects a plugin's tasks; the `plugin` in a FERRY_PLUGIN body.
class PluginBuilder {
 public:
  // Registers fn (a function or non-generic lambda) as task `name`. Throws
  // std::invalid_argument on an empty or duplicate name; the plugin then fails
  // to load with that reason.
  //
  // param_names optionally names the parameters (not a leading Context&),
  // one name each: `ferry inspect` shows them and messages about an
  // argument use them. A wrong count throws std::invalid_argument.
  template <class F>
  PluginBuilder& task(std::string name, F fn, std::string doc = "", std::vector<std::string> param_names = {}) {
    using Sig = detail::Signature<decltype(std::function{fn})>;
    if (name.empty()) throw std::invalid_argument("a task name must not be empty");
    for (const auto& t : tasks_)
      if (t.name == name) throw std::invalid_argument("duplicate task name '" + name + "'");
    if (!param_names.empty() && param_names.size() != Sig::arity)
      throw std::invalid_argument("task '" + name + "' takes " + std::to_string(Sig::arity) + " parameter" +
                                  (Sig::arity == 1 ? "" : "s") + ", but " + std::to_string(param_names.size()) +
                                  (param_names.size() == 1 ? " name was given" : " names were given"));
    for (const auto& n : param_names)
      if (n.empty()) throw std::invalid_argument("task '" + name + "': a parameter name must not be empty");
    TaskInfo described;
    described.param_names = std::move(param_names);
    described.structs = Sig::structs();
    // One callable for both ways in: a stateful lambda keeps one state.
    auto f = std::make_shared<F>(std::move(fn));
    tasks_.push_back(detail::TaskEntry{
        std::move(name), Sig::params(), type_name<typename Sig::Result>(), std::move(doc), described.schema_text(),
        [f](const ferry_call_v1* call) { return detail::run_task<typename Sig::Result, typename Sig::Inv>(*f, call); },
        [f](const ferry_batch_v1* batch) {
          return detail::run_batch<typename Sig::Result, typename Sig::Inv>(*f, batch);
        }});
    return *this;
  }

  std::deque<detail::TaskEntry>& entries() { return tasks_; }

 private:
  std::deque<detail::TaskEntry> tasks_;  // deque: entries never move once added
};

namespace detail {

inline std::int32_t invoke_entry(void* state, const ferry_call_v1* call) {
  try {
    return static_cast<TaskEntry*>(state)->run(call);
  } catch (...) {  // run() already catches; this guards the C boundary regardless
    return report_current_exception(call);
  }
}

inline std::uint64_t invoke_batch_entry(void* state, const ferry_batch_v1* batch) {
  try {
    return static_cast<TaskEntry*>(state)->run_batch(batch);
  } catch (...) {  // out of memory for the outputs: none ran, the host runs them one by one
    return 0;
  }
}

// Owns everything the exported descriptor points to. Built once, on first
// call of the entry point; registration errors become load_error.
class PluginHolder {
 public:
  PluginHolder(const char* name, const char* version, void (*define)(PluginBuilder&)) : name_(name), version_(version) {
    try {
      define(builder_);
      for (auto& t : builder_.entries())
        table_.push_back(ferry_task_v1{t.name.c_str(), t.params.c_str(), t.result.c_str(), t.doc.c_str(),
                                       &invoke_entry, &t, &invoke_batch_entry,
                                       t.schema.empty() ? nullptr : t.schema.c_str(), {}});
    } catch (const std::exception& e) {
      error_ = std::string(e.what());
      // An empty load_error reads as success: the plugin would load with no tasks.
      if (error_.empty()) error_ = demangle(typeid(e).name()) + " while registering tasks";
      table_.clear();
    } catch (...) {
      error_ = "unknown exception while registering tasks";
      table_.clear();
    }
    desc_.abi_version = FERRY_ABI_VERSION;
    desc_.struct_size = sizeof(ferry_plugin_v1);
    desc_.name = name_.c_str();
    desc_.version = version_.c_str();
    desc_.load_error = error_.empty() ? nullptr : error_.c_str();
    desc_.task_count = table_.size();
    desc_.tasks = table_.data();
  }
  const ferry_plugin_v1* descriptor() const { return &desc_; }

 private:
  std::string name_, version_, error_;
  PluginBuilder builder_;
  std::vector<ferry_task_v1> table_;
  ferry_plugin_v1 desc_{};
};

}  // namespace detail
}  // namespace ferry

// Defines the plugin `name` (an identifier) at `version` (a string literal);
// the braces that follow register its tasks through `plugin`.
#define FERRY_PLUGIN(name, version)                                                          \
  static void ferry_define_plugin_(::ferry::PluginBuilder& plugin);                          \
  extern "C" __attribute__((visibility("default"))) const ferry_plugin_v1* ferry_plugin(void) { \
    static const ::ferry::detail::PluginHolder holder(#name, version, &ferry_define_plugin_);   \
    return holder.descriptor();                                                              \
  }                                                                                          \
  static void ferry_define_plugin_(::ferry::PluginBuilder& plugin)
