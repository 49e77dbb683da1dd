// The connector table is the one list of source and sink kinds: every kind
// in it is documented in docs/pipelines.md (a "### key" heading under
// Sources or Sinks), the loader's messages list exactly its kinds, and the
// built-in defaults (spec/defaults.hpp) are the ones the docs state.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <thread>
#include <sstream>
#include <string>

#include "pipeline/connectors/parse.hpp"
#include "pipeline/connectors/table.hpp"
#include "pipeline/spec/defaults.hpp"
#include "pipeline_loader_harness.hpp"

namespace {

// The "### name" headings of docs/pipelines.md between "## from" and the
// next "## " heading.
std::vector<std::string> doc_headings(const std::string& from) {
  std::ifstream in(std::string(FERRY_SOURCE_DIR) + "/docs/pipelines.md");
  REQUIRE(in);
  std::vector<std::string> out;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) inside = line == "## " + from;
    else if (inside && line.starts_with("### ")) out.push_back(line.substr(4));
  }
  return out;
}

}  // namespace

TEST_CASE("connectors: every kind in the table has its section in docs/pipelines.md", "[pipeline]") {
  const auto sources = doc_headings("Sources");
  for (const auto& kind : ferry::pipeline::source_kinds()) {
    INFO("source kind " << kind.key);
    CHECK(std::find(sources.begin(), sources.end(), std::string(kind.key)) != sources.end());
  }
  CHECK(sources.size() == ferry::pipeline::source_kinds().size());
  const auto sinks = doc_headings("Sinks");
  for (const auto& kind : ferry::pipeline::sink_kinds()) {
    INFO("sink kind " << kind.key);
    CHECK(std::find(sinks.begin(), sinks.end(), std::string(kind.key)) != sinks.end());
  }
  CHECK(sinks.size() == ferry::pipeline::sink_kinds().size());
}

TEST_CASE("connectors: the loader's messages list the table's kinds", "[pipeline]") {
  using namespace loader_test;
  auto l = load("pipeline: p\nstages:\n  - name: s\n    source: {}\n");
  std::string keys;
  for (const auto& kind : ferry::pipeline::source_kinds()) keys += (keys.empty() ? "" : ", ") + std::string(kind.key);
  check_at(l, "a source needs exactly one of " + keys + "; found none", 4, 13);
  l = load("pipeline: p\nstages:\n  - name: s\n    map: m.t\n");
  check_at(l, "the first stage must be a source (" + ferry::pipeline::source_kind_list() + ")", 4, 5);
  for (const auto& kind : ferry::pipeline::sink_kinds()) {
    CHECK(ferry::pipeline::find_sink_kind(kind.key) == &kind);
    CHECK(kind.parse != nullptr);
  }
  CHECK(ferry::pipeline::find_source_kind("nope") == nullptr);
}

TEST_CASE("defaults: docs/pipelines.md's settings table states the built-in defaults", "[pipeline]") {
  // The last cell of each row of the settings table, by key.
  std::ifstream in(std::string(FERRY_SOURCE_DIR) + "/docs/pipelines.md");
  REQUIRE(in);
  std::map<std::string, std::string> documented;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("| `")) continue;
    const auto key_end = line.find('`', 3);
    const auto last = line.rfind(" | ");
    if (key_end == std::string::npos || last == std::string::npos) continue;
    documented.emplace(line.substr(3, key_end - 3), line.substr(last + 3, line.size() - last - 5));
  }
  const ferry::pipeline::FinalSettings builtin;
  CHECK(documented["workers"] == "the number of CPUs");
  CHECK(builtin.workers == std::max(1u, std::thread::hardware_concurrency()));
  CHECK_THAT(documented["chunksize"], Catch::StartsWith("automatic"));
  CHECK(builtin.chunksize == 0u);
  CHECK(documented["ordered"] == "`" + std::string(builtin.ordered ? "true" : "false") + "`");
  CHECK(documented["timeout"] == "none");
  CHECK_FALSE(builtin.timeout);
  CHECK(documented["retries"] == std::to_string(builtin.retries));
  CHECK(documented["on_error"] == "`fail`");
  CHECK(builtin.on_error == ferry::pipeline::OnError::fail);
  CHECK(documented["max_tasks_per_child"] == std::to_string(builtin.max_tasks_per_child));
  CHECK(documented["queue_size"] == std::to_string(builtin.queue_size));
  CHECK(documented["memory_limit"] == "none");
  CHECK(builtin.memory_limit == 0u);
}
