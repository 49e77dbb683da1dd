#include "pipeline/run/item_codec.hpp"

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>
#include <ferry/wire_format.hpp>

namespace ferry::pipeline {

std::string value_list_header(std::uint64_t n) {
  // Mirrors detail::save_value: the kind as one byte, then the count.
  std::string header;
  wire_format::append_scalar(header, static_cast<std::uint8_t>(Value::Kind::list));
  wire_format::append_length(header, n);
  return header;
}

std::vector<std::string> split_value_list(std::string_view list_bytes) {
  const Value v = codec::decode_value(list_bytes);
  if (!v.is_list()) throw ValueError(std::string("expected a list, got ") + Value::kind_name(v.kind()));
  std::vector<std::string> out;
  out.reserve(v.as_list().size());
  for (const auto& e : v.as_list()) out.push_back(codec::encode_value(e));
  return out;
}

std::vector<Item> gather_for_apply(std::vector<Item>& items) {
  // Error records pass first; the rest become one list: the call's only argument.
  std::vector<Item> out;
  std::string list;
  std::uint64_t count = 0;
  Item call;
  call.from.role = Provenance::Role::merged;  // touches every gathered item's origins
  for (auto& item : items) {
    if (item.passes_through()) {
      out.push_back(std::move(item));
      continue;
    }
    list += item.bytes;
    ++count;
    call.from.merge(item.from);
  }
  call.bytes = value_list_header(count) + list;
  out.push_back(std::move(call));
  return out;
}

Failure describe_failure(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const TaskError& e) {
    return {"TaskError: " + e.type(), e.message()};
  } catch (const WorkerError& e) {
    return {"WorkerError", e.cause()};
  } catch (const Timeout& e) {
    return {"Timeout", e.what()};
  } catch (const ValueError& e) {
    return {"ValueError", e.what()};
  } catch (const SignatureError& e) {
    return {"SignatureError", e.what()};
  } catch (const StateError& e) {
    return {"StateError", e.what()};
  } catch (const PluginError& e) {
    return {"PluginError", e.what()};
  } catch (const std::exception& e) {
    return {"Error", e.what()};
  } catch (...) {
    return {"Error", "unknown error"};
  }
}

std::string error_record(const std::string& stage, const std::string& task, std::uint64_t item,
                         const Failure& failure, const Value* input) {
  Value::Map detail{{"stage", Value(stage)},
                    {"task", Value(task)},
                    {"item", Value(item)},
                    {"type", Value(failure.type)},
                    {"message", Value(failure.message)}};
  if (input) detail.emplace_back("input", *input);
  return codec::encode_value(Value(Value::Map{{"error", Value(std::move(detail))}}));
}

}  // namespace ferry::pipeline
