#include "wire/messages.hpp"

#include <ferry/codec.hpp>

namespace ferry {

template <class Archive>
void serialize(Archive& ar, TaskInfo& t) {
  ar(t.name, t.params, t.result, t.doc);
}

namespace wire {

template <class Archive>
void serialize(Archive& ar, Hello& m) {
  ar(m.abi_version, m.pid, m.plugin_name, m.plugin_version, m.tasks);
}
template <class Archive>
void serialize(Archive& ar, LoadFailed& m) {
  ar(m.reason);
}
template <class Archive>
void serialize(Archive& ar, CallRequest& m) {
  ar(m.id, m.task, m.flags, m.items);
}
template <class Archive>
void serialize(Archive& ar, ItemReply& m) {
  ar(m.status, m.bytes);
}
template <class Archive>
void serialize(Archive& ar, CallReply& m) {
  ar(m.id, m.items);
}
template <class Archive>
void serialize(Archive& ar, LogLine& m) {
  ar(m.level, m.task, m.message);
}

namespace {
template <class M>
void decode_message(std::string_view bytes, M& m, const char* what) {
  try {
    codec::decode(bytes, m);
  } catch (const ValueError& e) {
    throw ValueError(std::string("malformed ") + what + " message: " + e.what());
  } catch (const std::exception& e) {  // cereal::Exception, or a huge claimed length
    throw ValueError(std::string("malformed ") + what + " message: " + e.what());
  }
}
}  // namespace

std::string encode(const Hello& m) { return codec::encode(m); }
std::string encode(const LoadFailed& m) { return codec::encode(m); }
std::string encode(const CallRequest& m) { return codec::encode(m); }
std::string encode(const CallReply& m) { return codec::encode(m); }
std::string encode(const LogLine& m) { return codec::encode(m); }
void decode(std::string_view b, Hello& m) { decode_message(b, m, "hello"); }
void decode(std::string_view b, LoadFailed& m) { decode_message(b, m, "load-failed"); }
void decode(std::string_view b, CallRequest& m) { decode_message(b, m, "call"); }
void decode(std::string_view b, CallReply& m) { decode_message(b, m, "reply"); }
void decode(std::string_view b, LogLine& m) { decode_message(b, m, "log"); }

}  // namespace wire
}  // namespace ferry
