// What a source or sink kind is to the rest of the pipeline: how the loader
// parses it, what the type checker learns from it and how the runner runs
// it. Each kind lives in one file under sources/ or sinks/ and is listed
// once in table.cpp; nothing else names a kind.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/value.hpp>

#include "pipeline/spec/model.hpp"

namespace YAML {
class Node;
}
namespace ferry {
class ManagerLink;
}
namespace ferry::types {
struct TypeExpr;
}

namespace ferry::pipeline {

struct SourceKind;
struct SinkKind;
namespace detail {
struct Context;  // spec/yaml_reading.hpp, which connectors' parse functions include
struct Entry;
}  // namespace detail

// What a source's items are, for the type checker.
struct SourceItems {
  enum class Kind { typed, literals, any } kind = Kind::any;
  std::string type;                                     // typed: as signatures write it ("i64")
  const std::vector<Value>* literals = nullptr;         // literals: checked one by one
  const std::vector<Location>* literal_where = nullptr;  // where each literal is written
};

// Takes a source's items, in order.
class ItemEmitter {
 public:
  virtual ~ItemEmitter() = default;
  // One item as a ferry::Value archive. False once the run takes no more
  // items (stopped or draining): the source returns then.
  virtual bool emit(std::string bytes) = 0;
  // Emits block.size() / each items of each bytes (each > 0), the block's
  // items in order: what a source of fixed-size items (range) hands over
  // without a string or a call for each. False as emit.
  virtual bool emit_fixed(std::string_view block, std::size_t each) {
    for (; block.size() >= each; block.remove_prefix(each))
      if (!emit(std::string(block.substr(0, each)))) return false;
    return true;
  }
  // True once the run takes no more items: a source waiting for input that
  // may never come (standard input) checks it while it waits.
  virtual bool stopping() const { return false; }
  // The source is about to wait for input: what it emitted so far goes on
  // now, so a trickle of input (a pipe, a terminal) flows through at once
  // instead of waiting for a full batch.
  virtual void idle() {}
  // Asks to be told, from the sink's thread, the positions (0: the first
  // item emitted) of items whose results have all been written (or
  // skipped, or sent to an errors: output): a source that acknowledges its
  // input (a Redis stream) acknowledges them then. Without a sink nothing
  // is told. The hook may be called after read() has returned.
  virtual void when_written(std::function<void(const std::vector<std::uint64_t>&)> /*hook*/) {}
};

// What a running source may read besides its own files.
struct SourceIo {
  std::istream* in = nullptr;  // what "-" reads; null: the process's standard input
};

// One source stage's settings, made by its kind's parse function.
class SourceConfig {
 public:
  explicit SourceConfig(const SourceKind& kind) : kind_(kind) {}
  virtual ~SourceConfig() = default;
  const SourceKind& kind() const { return kind_; }

  // What it produces; a task source's items are its task's (see task()).
  virtual SourceItems items() const = 0;
  // Emits every item in order, returning early when emit says so. Throws
  // ferry::Error to stop the run; the message says what and where.
  virtual void read(ItemEmitter& out, const SourceIo& io) const = 0;
  // The file it reads, for the check that no output of the run is one of
  // its inputs; "" when it reads no file.
  virtual std::string input_path() const { return {}; }
  // Why a journal's restart could not read the same items again, or "".
  virtual std::string not_resumable() const;
  // How many items read() emits, when that is known before reading (a
  // range, a list of values): progress shows an ETA then.
  virtual std::optional<std::uint64_t> size() const { return std::nullopt; }
  // A task source's task and arguments; null for sources the host reads.
  virtual const TaskRef* task() const { return nullptr; }
  virtual const std::vector<Value>* task_args() const { return nullptr; }

 private:
  const SourceKind& kind_;
};

// Writes a sink's items. Made when the run starts, used by one thread.
class SinkWriter {
 public:
  virtual ~SinkWriter() = default;
  // Adds one item; throws ferry::Error (ValueError, ...) for one it cannot take.
  virtual void add(const Value& item) = 0;
  // Adds one item given as its Value archive bytes (codec::encode_value).
  // By default decodes it and calls add; a writer that can write common
  // values straight from their bytes overrides it (the sink's hot path).
  virtual void add_encoded(std::string_view bytes);
  // Hands on everything added so far; throws ferry::Error on failure.
  virtual void flush() = 0;
  // Ends the output after the last flush; throws ferry::Error on failure.
  virtual void close() {}
  // Bytes of output, counting what add() took since the last flush: a
  // length a journal's restart may cut the output back to.
  virtual std::uint64_t length() const { return 0; }
};

// What a running sink may write to besides its own files.
struct SinkIo {
  std::ostream& out;                      // standard output, or the host's stream
  std::ostream& err;                      // standard error, or the host's stream
  std::shared_ptr<ManagerLink> manager;   // shared objects
  std::optional<std::uint64_t> resume_at;  // a journal's restart: keep this many bytes, append
};

// One sink's settings (a sink stage's, or an errors: output's), made by its
// kind's parse function.
class SinkConfig {
 public:
  explicit SinkConfig(const SinkKind& kind) : kind_(kind) {}
  virtual ~SinkConfig() = default;
  const SinkKind& kind() const { return kind_; }

  // Why items of type t cannot be written ("" when they can). t is known:
  // items of type any are checked one by one as they are written.
  virtual std::string refuses(const types::TypeExpr& t) const;
  // Opens the output; throws ferry::Error when it cannot.
  virtual std::unique_ptr<SinkWriter> open(const SinkIo& io) const = 0;
  // The file it writes, or "" (streams, dicts): the outputs of a run must
  // be different files, and a journal cuts this one back.
  virtual std::string output_path() const { return {}; }
  // What it writes to, in messages: "stdout", "out/primes.jsonl", "dict 'd'".
  virtual std::string target() const = 0;

 private:
  const SinkKind& kind_;
};

// What a kind's parse function is given: the value under its key, the
// other keys of the mapping it allows, and the file's context.
struct ConnectorParse {
  detail::Context& cx;
  const Pipeline& pipeline;
  const YAML::Node& value;                  // under the kind's key; the whole node for a bare kind
  const std::vector<detail::Entry>& extra;  // entries of the kind's extra_keys
  const std::string& label;                 // "the source of stage 'words'", for messages
};

// A source kind: one line of the table in table.cpp.
struct SourceKind {
  std::string_view key;    // source: {key: ...}
  std::string_view shape;  // how messages show it: "{range: [start, stop]}"
  std::vector<std::string> extra_keys;  // other keys its mapping allows ("args")
  // The settings; nullptr after adding a problem to p.cx.
  std::unique_ptr<SourceConfig> (*parse)(const SourceKind& kind, const ConnectorParse& p);
};

// A sink kind: one line of the table in table.cpp.
struct SinkKind {
  std::string_view key;    // sink: key (bare) or sink: {key: ...}
  std::string_view shape;  // how messages show it: "{file: PATH}"
  bool bare = false;       // written as the word alone: `sink: stdout`
  // Writes error records like items (JSON lines); may be an errors: output.
  // Other sinks send them to stderr.
  bool takes_error_records = false;
  // A journal can cut its output back to what it recorded (--journal).
  bool resumable = false;
  // The settings; nullptr after adding a problem to p.cx.
  std::unique_ptr<SinkConfig> (*parse)(const SinkKind& kind, const ConnectorParse& p);
};

}  // namespace ferry::pipeline
