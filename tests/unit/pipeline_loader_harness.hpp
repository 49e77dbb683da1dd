// Helpers of the pipeline loader's tests: load inline YAML, find a problem,
// check where it points.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <ferry/codec.hpp>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/spec/model.hpp"

namespace loader_test {

using namespace ferry::pipeline;
namespace fs = std::filesystem;

// A folder of its own for file checks, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("ferry-loader-" + std::to_string(std::random_device{}()));
    fs::create_directories(path / "data");
    fs::create_directories(path / "out");
    std::ofstream(path / "data" / "text.txt") << "a b\nc\n";
    std::ofstream(path / "data" / "items.jsonl") << "1\n[2]\n";
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

// The source's connector key ("range") and the sink's.
inline std::string source_key(const Stage& st) { return std::string(st.source->kind().key); }
inline std::string sink_key(const Stage& st) { return std::string(st.sink->kind().key); }

// Every item a host-read source produces, decoded.
inline std::vector<ferry::Value> items_of(const Stage& st) {
  struct Collect final : ItemEmitter {
    std::vector<ferry::Value> items;
    bool emit(std::string bytes) override {
      items.push_back(ferry::codec::decode_value(bytes));
      return true;
    }
  } collect;
  st.source->read(collect, SourceIo{});
  return collect.items;
}

struct Loaded {
  Pipeline p;
  std::vector<Problem> problems;

  // Every problem as "where: message", for failure output.
  std::string all() const {
    std::string out;
    for (const auto& pr : problems) out += to_string(pr.where) + ": " + pr.message + "\n";
    return out;
  }
  // The problems whose message contains part.
  std::vector<Problem> with(const std::string& part) const {
    std::vector<Problem> out;
    for (const auto& pr : problems)
      if (pr.message.find(part) != std::string::npos) out.push_back(pr);
    return out;
  }
};

inline Loaded load(const std::string& yaml, const std::vector<std::string>& overrides = {},
                   const std::string& dir = "/tmp") {
  Loaded l;
  l.p = load_text(yaml, "p.yaml", dir, overrides, l.problems);
  return l;
}

// Exactly one problem contains part, and it is at line:column of p.yaml.
inline void check_at(const Loaded& l, const std::string& part, int line, int column) {
  INFO(l.all());
  INFO("looking for: " << part);
  const auto found = l.with(part);
  REQUIRE(found.size() == 1);
  CHECK(found[0].where.file == "p.yaml");
  CHECK(found[0].where.line == line);
  CHECK(found[0].where.column == column);
  CHECK(found[0].where.origin.empty());
}

// Exactly one problem contains part, and it points to the override origin.
inline void check_origin(const Loaded& l, const std::string& part, const std::string& origin) {
  INFO(l.all());
  INFO("looking for: " << part);
  const auto found = l.with(part);
  REQUIRE(found.size() == 1);
  CHECK(found[0].where.origin == origin);
  CHECK(to_string(found[0].where) == origin);
}

// A valid file to start from: its stages are numbers, check, out.
inline const std::string kBase = R"(pipeline: primes
plugins:
  math: math
shared:
  found: dict<str,i64>
stages:
  - name: numbers
    source: {range: [0, 10]}
  - name: check
    map: math.is_prime
    workers: 2
  - name: out
    sink: stdout
)";

}  // namespace loader_test
