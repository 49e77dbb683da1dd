// Hostile text into the pipeline loader, as `ferry validate FILE --set ...`
// gives it: the input up to its first NUL byte is the YAML file, and each
// NUL-separated part after it is one --set override (PATH=VALUE). Whatever
// the text, load_text must only collect problems: never throw, crash, hang or
// allocate without bound. Each problem must name a place: a line and column
// in the file, or the override's text.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/spec/model.hpp"

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxOverrides = 4;

// The pipeline's folder: made once with the files configs/ refer to, so that
// relative paths sometimes resolve, and removed when the fuzzer exits. Never
// destroyed, so the exit handler can still read it.
const std::string& pipeline_dir() {
  static const std::string* const dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "ferry-fuzz-pipeline-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      std::perror("fuzz_pipeline: mkdtemp");
      std::abort();
    }
    fs::create_directories(fs::path(tmpl) / "data");
    std::ofstream(fs::path(tmpl) / "data" / "multiprocessing.txt") << "It was the best of times\nworld\n";
    std::ofstream(fs::path(tmpl) / "data" / "random-1000.jsonl") << "1\n[2, 3]\n{\"a\": 4}\n";
    auto* made = new std::string(std::move(tmpl));
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(pipeline_dir(), ec);
    });
    return made;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string text(input.substr(0, nul));
  std::vector<std::string> overrides;
  if (nul != std::string_view::npos) {
    std::string_view rest = input.substr(nul + 1);
    while (overrides.size() < kMaxOverrides) {
      const auto end = rest.find('\0');
      overrides.emplace_back(rest.substr(0, end));
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }

  std::vector<ferry::pipeline::Problem> problems;
  const auto p = ferry::pipeline::load_text(text, "fuzz.yaml", pipeline_dir(), overrides, problems);
  for (const auto& pr : problems) {
    const bool placed = !pr.where.origin.empty() || (pr.where.file == "fuzz.yaml" && pr.where.line >= 0);
    if (!placed || pr.message.empty()) {
      std::fprintf(stderr, "fuzz_pipeline: a problem without a place or message: %s: %s\n",
                   ferry::pipeline::to_string(pr.where).c_str(), pr.message.c_str());
      std::abort();
    }
  }
  return 0;
}
