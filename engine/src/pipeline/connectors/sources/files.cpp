// source: {files: "data/*.csv"}: the path of each file matching a shell
// pattern, sorted, as one str item: "process every file in a folder".
// Paths are absolute, so a task opens them whatever its working folder.
#include <glob.h>

#include <algorithm>
#include <memory>

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>

#include "pipeline/connectors/connector.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {
namespace {

// The files (not folders) matching pattern, sorted byte by byte so every
// machine and locale lists them in the same order.
std::vector<std::string> matching_files(const std::string& pattern) {
  glob_t found{};
  const int rc = ::glob(pattern.c_str(), GLOB_MARK | GLOB_BRACE | GLOB_NOSORT, nullptr, &found);
  std::unique_ptr<glob_t, void (*)(glob_t*)> release(&found, ::globfree);
  if (rc == GLOB_NOSPACE) throw Error("files: out of memory listing " + pattern);
  if (rc == GLOB_ABORTED) throw Error("files: cannot read a folder while listing " + pattern);
  std::vector<std::string> paths;
  for (std::size_t i = 0; rc == 0 && i < found.gl_pathc; ++i) {
    std::string path = found.gl_pathv[i];
    if (!path.ends_with('/')) paths.push_back(std::move(path));  // GLOB_MARK marks folders
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

class FilesSource final : public SourceConfig {
 public:
  FilesSource(const SourceKind& kind, std::string pattern) : SourceConfig(kind), pattern_(std::move(pattern)) {}
  SourceItems items() const override { return {SourceItems::Kind::typed, "str", nullptr, nullptr}; }
  // Lists the files when the run starts: files added since loading count.
  void read(ItemEmitter& out, const SourceIo&) const override {
    for (auto& path : matching_files(pattern_))
      if (!out.emit(codec::encode_value(Value(std::move(path))))) return;
  }

 private:
  std::string pattern_;  // resolved against the pipeline file's folder
};

std::unique_ptr<SourceConfig> parse_files_source(const SourceKind& kind, const ConnectorParse& p) {
  const auto text = detail::text_of(p.value);
  if (!text) {
    p.cx.problem(p.value, "files must be a path pattern such as data/*.csv, got " + detail::describe(p.value));
    return nullptr;
  }
  auto pattern = detail::resolve_path(p.cx.dir, *text);
  // A pattern that matches nothing is most likely a typo: say so now
  // rather than run a pipeline of no items.
  std::vector<std::string> found;
  try {
    found = matching_files(pattern);
  } catch (const Error& e) {
    p.cx.problem(p.value, e.what());
    return nullptr;
  }
  if (found.empty()) {
    p.cx.problem(p.value, "files: no file matches " + *text + detail::looked_in(p.cx, *text));
    return nullptr;
  }
  return std::make_unique<FilesSource>(kind, std::move(pattern));
}

}  // namespace

SourceKind files_source() { return {"files", "{files: PATTERN}", {}, parse_files_source}; }

}  // namespace ferry::pipeline
