#include "manager/replies.hpp"

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>

namespace ferry::manager {

Reply ok(std::vector<std::string> values) { return Reply{Status::ok, std::move(values), {}}; }
Reply ok_with(std::string value) {
  Reply r;
  r.values.push_back(std::move(value));
  return r;
}
Reply missing() { return Reply{Status::missing, {}, {}}; }
Reply timed_out() { return Reply{Status::timeout, {}, {}}; }
Reply error(std::string message) { return Reply{Status::error, {}, std::move(message)}; }

const char* kind_of(Op op) {
  const auto v = static_cast<int>(op);
  if (v < 32) return "dict";
  if (v < 64) return "list";
  if (v < 96) return "queue";
  if (v < 112) return "lock";
  if (v < 120) return "event";
  if (v < 124) return "semaphore";
  return "barrier";
}

std::string dict_value_type(const std::string& type) {
  int depth = 0;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (type[i] == '<') ++depth;
    else if (type[i] == '>') --depth;
    else if (type[i] == ',' && depth == 1) return type.substr(i + 1, type.size() - i - 2);
  }
  return "";
}

namespace {

template <class T>
std::string add_as(const std::string* current, const std::string& delta) {
  T a{}, d{};
  if (current) codec::decode(*current, a);
  codec::decode(delta, d);
  return codec::encode(static_cast<T>(a + d));
}

}  // namespace

std::string add_numbers(const std::string& type, const std::string* current, const std::string& delta) {
  if (type == "i64") return add_as<std::int64_t>(current, delta);
  if (type == "i32") return add_as<std::int32_t>(current, delta);
  if (type == "i16") return add_as<std::int16_t>(current, delta);
  if (type == "i8") return add_as<std::int8_t>(current, delta);
  if (type == "u64") return add_as<std::uint64_t>(current, delta);
  if (type == "u32") return add_as<std::uint32_t>(current, delta);
  if (type == "u16") return add_as<std::uint16_t>(current, delta);
  if (type == "u8") return add_as<std::uint8_t>(current, delta);
  if (type == "f64") return add_as<double>(current, delta);
  if (type == "f32") return add_as<float>(current, delta);
  throw ValueError("add() needs numbers, and this dict holds " + type);
}

std::size_t index_arg(const Request& r) {
  std::uint64_t i = 0;
  codec::decode(r.args.at(0), i);
  return static_cast<std::size_t>(i);
}


}  // namespace ferry::manager
