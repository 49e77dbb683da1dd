// Writing a pipeline file into a fresh folder and running it through the
// embedding API, for the pipeline tests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <ferry/ferry.hpp>

namespace ferry::test {

// A temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ferry-pipeline-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes text into name inside the folder; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

// One run's outcome: its stats and each stdout line as a Value.
struct RunResult {
  PipelineStats stats;
  std::vector<Value> lines;
  std::string errors;
};

inline RunResult run_yaml(Engine& engine, const TempDir& dir, const std::string& yaml,
                          const std::vector<std::string>& overrides = {}) {
  const auto file = dir.write("pipeline.yaml", yaml);
  auto pipeline = Pipeline::load(engine, file, overrides);
  std::ostringstream out, errors;
  PipelineRunOptions options;
  options.out = &out;
  options.errors = &errors;
  RunResult r;
  r.stats = pipeline.run(options);
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) r.lines.push_back(value_from_json(line));
  r.errors = errors.str();
  return r;
}

// The stats of the stage called name.
// A `values:` list of n [i, MARKERS] pairs for faults.die_once, whose
// markers go in dir/m (made here): each item kills its worker the first time.
inline std::string die_once_values(const TempDir& dir, int n) {
  std::filesystem::create_directory(dir.path() / "m");
  std::string values;
  for (int i = 0; i < n; ++i) values += (i ? ", [" : "[") + std::to_string(i) + ", '" + dir.path().string() + "/m']";
  return values;
}

inline const StageStats& stage(const PipelineStats& s, const std::string& name) {
  for (const auto& st : s.stages)
    if (st.name == name) return st;
  throw std::runtime_error("no stage " + name);
}

// The whole content of a file ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ferry::test
