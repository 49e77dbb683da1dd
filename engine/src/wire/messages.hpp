// The payloads of frames (see frame.hpp), encoded with cereal binary.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/abi.h>
#include <ferry/detail/item_list.hpp>
#include <ferry/manager_protocol.hpp>
#include <ferry/task_info.hpp>

namespace ferry::wire {

// CallRequest::flags beyond FERRY_CALL_VALUE: the worker exits after
// replying, with 0 when the item succeeded and 1 when it failed (Process).
inline constexpr std::uint32_t kExitAfterCall = 1u << 16;

// ferry-worker's exit status when it cannot reach its host any more (a send
// failed): a task closed or broke its protocol socket.
inline constexpr int kExitLostHost = 5;

// CallReply::status beyond the ABI's codes: the call's results together do
// not fit in one frame, so none are sent (each item fits alone: run again
// in smaller calls, they arrive).
inline constexpr std::int32_t kStatusReplyTooLarge = 100;
// CallReply::status: the item did not run, because the worker cannot run
// it any more (a task broke its manager channel): run it elsewhere. Such
// items are always the last ones of a reply.
inline constexpr std::int32_t kStatusNotRun = 101;

// The worker protocol's version (frames and messages): a host and a worker
// of different versions refuse each other. 1 was the unversioned protocol,
// whose hello began with the plugin ABI version (1). Bump on any change.
// 4: TaskInfo carries its schema text; 5: no sealed puts; 6: items of one
// size and replies that all succeeded travel without per-item ends and statuses;
// 7: the manager socket has a shared lane beside it (wire/lane.hpp).
inline constexpr std::uint32_t kProtocolVersion = 7;

// Encoded with protocol first, so that any version can read it.
struct Hello {
  std::uint32_t abi_version = 0;
  std::int32_t pid = 0;
  std::string plugin_name, plugin_version;
  std::vector<TaskInfo> tasks;
  std::uint32_t protocol = kProtocolVersion;
};
// The protocol version a hello's payload announces (its first four bytes),
// read before the rest so a hello of another version is named, not garbled.
std::uint32_t hello_protocol(std::string_view payload);
// Why a host and a worker of these versions cannot talk; "" when they can.
std::string protocol_mismatch(std::uint32_t worker, std::uint32_t host);

struct LoadFailed {
  std::string reason;
};
// A retiring frame's payload: why the worker stops taking calls.
using Retiring = LoadFailed;

// Calls and replies carry their items back to back (detail::ItemList), in a
// layout of raw native integers rather than cereal's: both ends are the same
// machine, and a chunk of 10,000 items then costs a few memcpys, not 10,000
// archive operations.
struct CallRequest {
  std::uint64_t id = 0;
  std::uint32_t task = 0;
  std::uint32_t flags = 0;
  // Each item's time limit; 0: none. The worker gives each item the
  // deadline its start plus this (ferry_call_v1::deadline_ns) and records
  // the start in its progress page (call_progress.hpp).
  std::int64_t item_timeout_ns = 0;
  // The task's log lines below this level (LogLevel) are not sent; at most
  // log_rate a second are (0: no limit), the rest counted and reported as
  // dropped (LogLine::dropped).
  std::int32_t log_level = 0;
  std::uint32_t log_rate = 0;
  detail::ItemList items;        // each the encoded arguments of one call
};

struct CallReply {
  std::uint64_t id = 0;
  // Per item: FERRY_OK, FERRY_TASK_ERROR, FERRY_BAD_INPUT, ...; or empty
  // when every item is FERRY_OK (how a reply that says so is decoded: no
  // list of n zeros to allocate). Read it with status_of.
  std::vector<std::int32_t> status;
  detail::ItemList items;  // per item: the result, or the error text

  // Item i's status.
  std::int32_t status_of(std::size_t i) const { return status.empty() ? FERRY_OK : status[i]; }
  // True when every item is FERRY_OK.
  bool all_ok() const;
};

struct LogLine {
  std::int32_t level = 1;
  std::string task;
  std::string message;
  std::uint64_t call = 0;   // CallRequest::id of the call that wrote it
  std::int64_t item = -1;   // index in that call of the item it ran, -1 unknown
  std::uint64_t dropped = 0;  // a report of this many lines the rate limit dropped
};

// encode(x) gives a frame payload; decode(payload, x) throws ferry::ValueError
// on anything malformed, so a hostile peer cannot crash the reader.
std::string encode(const Hello&);
std::string encode(const LoadFailed&);
std::string encode(const CallRequest&);
std::string encode(const CallReply&);
// Encode into out (cleared first), so a sender can reuse one buffer.
void encode_into(std::string& out, const CallRequest&);
void encode_into(std::string& out, const CallReply&);
// The same payload as pieces to send back to back, the items not copied: the
// fixed fields written into head (cleared first), then views of m's arrays
// and items, valid while m and head are unchanged.
std::array<std::string_view, 3> encode_parts(std::string& head, const CallRequest& m);
std::array<std::string_view, 4> encode_parts(std::string& head, const CallReply& m);
std::string encode(const LogLine&);
void decode(std::string_view, Hello&);
void decode(std::string_view, LoadFailed&);
void decode(std::string_view, CallRequest&);
void decode(std::string_view, CallReply&);
// As above, taking over the received payload so the items are not copied.
void decode(std::string&& payload, CallRequest&);
void decode(std::string&& payload, CallReply&);
void decode(std::string_view, LogLine&);
// A worker's manager request, with the same checks: the manager service
// decodes what a possibly hostile worker sent.
void decode(std::string_view, manager::Request&);
// As above, taking over the payload: a big item it carries is not copied.
void decode(std::string&& payload, manager::Request&);

}  // namespace ferry::wire
