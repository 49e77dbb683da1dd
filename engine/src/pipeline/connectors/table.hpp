// The table of source and sink kinds: the only list of them. The loader,
// its messages, the type checker, the journal guard and the docs test read
// it; adding a kind is its file, its line in table.cpp, its docs and tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/connectors/connector.hpp"

namespace ferry::pipeline {

// Every source kind, in the order messages list them.
const std::vector<SourceKind>& source_kinds();
// Every sink kind, in the order messages list them.
const std::vector<SinkKind>& sink_kinds();

// The kind with this key, or nullptr.
const SourceKind* find_source_kind(std::string_view key);
const SinkKind* find_sink_kind(std::string_view key);

}  // namespace ferry::pipeline
