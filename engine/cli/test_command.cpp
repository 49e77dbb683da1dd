// `ferry test PATH...`: runs the tests of pipeline files (NAME_test.yaml
// beside NAME.yaml): input items in place of the source's, for the whole
// pipeline or one stage, against the real plugins in workers, and the
// output items expected. docs/pipelines.md#testing-a-pipeline has the format.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <ferry/engine.hpp>
#include <ferry/pipeline.hpp>
#include <ferry/value_text.hpp>

#include "commands.hpp"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// A test file that cannot be read as one: exit 2.
class BadTestFile : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string place(const std::string& file, const YAML::Node& node) {
  const auto m = node.Mark();
  return m.is_null() ? file : file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

std::string dump(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

// A YAML value as JSON, through ferry's own reading of YAML (the same as a
// values: source's).
Json json_of(const YAML::Node& node) { return Json::parse(to_json(value_from_yaml(dump(node)))); }

struct Case {
  std::string name;
  YAML::Node where;
  std::optional<std::string> stage;  // one stage only
  YAML::Node input;                  // a list
  std::optional<Json> expect;        // the output, exactly
  std::optional<Json> contains;      // items the output must hold
  std::optional<std::string> error;  // the run must fail with this in its error
};

const std::vector<std::string> kFileKeys = {"pipeline", "tests"};
const std::vector<std::string> kCaseKeys = {"name", "stage", "input", "expect", "expect_contains", "expect_error"};

void check_keys(const std::string& file, const YAML::Node& map, const std::vector<std::string>& allowed) {
  for (const auto& kv : map) {
    const auto key = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw BadTestFile(place(file, kv.first) + ": unknown key '" + key + "' (allowed: " + list + ")");
    }
  }
}

Case read_case(const std::string& file, const YAML::Node& node, std::size_t index) {
  if (!node.IsMap()) throw BadTestFile(place(file, node) + ": test #" + std::to_string(index + 1) + " must be a mapping");
  check_keys(file, node, kCaseKeys);
  Case c;
  c.where = node;
  c.name = node["name"] ? node["name"].as<std::string>() : "#" + std::to_string(index + 1);
  if (node["stage"]) c.stage = node["stage"].as<std::string>();
  c.input = node["input"];
  if (!c.input || !c.input.IsSequence())
    throw BadTestFile(place(file, node) + ": test '" + c.name + "' needs input: a list of items");
  const int outcomes = !!node["expect"] + !!node["expect_contains"] + !!node["expect_error"];
  if (outcomes != 1)
    throw BadTestFile(place(file, node) + ": test '" + c.name +
                      "' needs exactly one of expect, expect_contains and expect_error");
  if (node["expect"]) c.expect = json_of(node["expect"]);
  if (node["expect_contains"]) c.contains = json_of(node["expect_contains"]);
  if (node["expect_error"]) c.error = node["expect_error"].as<std::string>();
  if ((c.expect && !c.expect->is_array()) || (c.contains && !c.contains->is_array()))
    throw BadTestFile(place(file, node) + ": test '" + c.name + "': expect and expect_contains take a list of items");
  return c;
}

// The pipeline a case runs: its input in place of the source, the tested
// stage (or every task stage), and what comes out on stdout.
std::string pipeline_for(const YAML::Node& pipeline, const Case& c) {
  YAML::Node out;
  for (const auto& kv : pipeline) {
    const auto key = kv.first.as<std::string>();
    if (key != "stages" && key != "output" && key != "errors") out[key] = kv.second;
  }
  out["pipeline"] = pipeline["pipeline"] ? pipeline["pipeline"].as<std::string>() + "-test" : "test";
  YAML::Node stages(YAML::NodeType::Sequence);
  YAML::Node source;
  source["name"] = "test-input";
  source["source"]["values"] = c.input;
  stages.push_back(source);
  bool found = false;
  const auto& all = pipeline["stages"];
  for (std::size_t i = 0; all && i < all.size(); ++i) {
    const auto& s = all[i];
    if (i == 0 && s["source"] && !s["source"]["task"]) continue;  // its items are the input's
    if (s["sink"]) continue;
    if (c.stage && (!s["name"] || s["name"].as<std::string>() != *c.stage)) continue;
    found = true;
    stages.push_back(s);
  }
  if (c.stage && !found) throw BadTestFile("test '" + c.name + "': the pipeline has no stage '" + *c.stage + "'");
  YAML::Node sink;
  sink["name"] = "test-output";
  sink["sink"] = "stdout";
  stages.push_back(sink);
  out["stages"] = stages;
  return dump(out);
}

std::string lines_of(const Json& items) {
  std::string s;
  for (const auto& i : items) s += "    " + i.dump() + "\n";
  return s.empty() ? "    (nothing)\n" : s;
}

// Runs one case; "" when it passed, else what differs.
std::string run_case(Engine& engine, const std::string& pipeline_file, const YAML::Node& pipeline, const Case& c) {
  const std::string text = pipeline_for(pipeline, c);
  std::ostringstream out, errors;
  PipelineStats stats;
  try {
    auto p = Pipeline::from_text(engine, text, pipeline_file + " (test '" + c.name + "')",
                                 fs::path(pipeline_file).parent_path().string());
    PipelineRunOptions options;
    options.out = &out;
    options.errors = &errors;
    stats = p.run(options);
  } catch (const PipelineInvalid& e) {
    throw BadTestFile(e.what());
  }
  if (c.error) {
    if (stats.ok) return "  expected the run to fail with \"" + *c.error + "\"; it succeeded\n";
    if (stats.error.find(*c.error) == std::string::npos)
      return "  expected an error with \"" + *c.error + "\", got: " + stats.error + "\n";
    return "";
  }
  if (!stats.ok) return "  the run failed: " + stats.error + "\n";
  Json got = Json::array();
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) got.push_back(Json::parse(line, nullptr, false));
  if (c.expect && got != *c.expect) {
    std::string why = "  expected:\n" + lines_of(*c.expect) + "  got:\n" + lines_of(got);
    for (std::size_t i = 0; i < std::max(got.size(), c.expect->size()); ++i)
      if (i >= got.size() || i >= c.expect->size() || got[i] != (*c.expect)[i]) {
        why += "  first difference: item " + std::to_string(i) + "\n";
        break;
      }
    return why;
  }
  if (c.contains)
    for (const auto& want : *c.contains)
      if (std::find(got.begin(), got.end(), want) == got.end())
        return "  expected the output to contain " + want.dump() + ", got:\n" + lines_of(got);
  return "";
}

struct Totals {
  std::size_t passed = 0, failed = 0;
};

void run_file(Engine& engine, const std::string& file, Totals& totals) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::Exception& e) {
    throw BadTestFile(file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " +
                      e.msg);
  }
  if (!root.IsMap()) throw BadTestFile(file + ": a test file is a mapping with tests:");
  check_keys(file, root, kFileKeys);
  // NAME_test.yaml tests NAME.yaml unless it says otherwise.
  std::string name = fs::path(file).filename().string();
  name = name.substr(0, name.size() - std::string("_test.yaml").size()) + ".yaml";
  if (root["pipeline"]) name = root["pipeline"].as<std::string>();
  const std::string pipeline_file = (fs::path(file).parent_path() / name).string();
  YAML::Node pipeline;
  try {
    pipeline = YAML::LoadFile(pipeline_file);
  } catch (const YAML::BadFile&) {
    throw BadTestFile(place(file, root["pipeline"]) + ": cannot read pipeline file " + pipeline_file);
  }
  const auto& tests = root["tests"];
  if (!tests || !tests.IsSequence() || tests.size() == 0)
    throw BadTestFile(file + ": tests: must be a non-empty list of tests");
  std::vector<Case> cases;
  for (std::size_t i = 0; i < tests.size(); ++i) cases.push_back(read_case(file, tests[i], i));
  for (const auto& c : cases) {
    const std::string why = run_case(engine, pipeline_file, pipeline, c);
    if (why.empty()) {
      ++totals.passed;
      std::cout << "ok    " << file << ": " << c.name << '\n';
    } else {
      ++totals.failed;
      std::cout << "FAIL  " << place(file, c.where) << ": " << c.name << '\n' << why;
    }
  }
}

std::vector<std::string> test_files(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.path().filename().string().ends_with("_test.yaml")) found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      if (found.empty()) throw UsageError("no *_test.yaml files in " + p);
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      if (!p.ends_with("_test.yaml")) throw UsageError(p + ": a test file's name ends in _test.yaml");
      files.push_back(p);
    } else {
      throw UsageError(p + ": no such file or folder");
    }
  }
  return files;
}

int run_tests(const std::vector<std::string>& paths) {
  const auto files = test_files(paths);
  Engine engine;
  Totals totals;
  bool bad = false;
  for (const auto& f : files) {
    try {
      run_file(engine, f, totals);
    } catch (const BadTestFile& e) {
      bad = true;
      std::cout << "ERROR " << e.what() << '\n';
    }
  }
  std::cout << totals.passed << " passed, " << totals.failed << " failed" << (bad ? ", and test files with errors" : "")
            << '\n';
  std::cout.flush();
  if (!std::cout) throw OutputError("cannot write to stdout");
  return bad ? kUsage : totals.failed ? kFailed : kOk;
}

}  // namespace

void add_test(CLI::App& app, Action& action) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("test", "Run the tests of pipeline files (NAME_test.yaml beside NAME.yaml).");
  cmd->add_option("PATH", *paths, "a test file, or a folder whose *_test.yaml files are run")->required();
  cmd->footer(
      "Exit status: 0 every test passed; 1 a test failed; 2 a test file or its pipeline is invalid.\n"
      "Example: ferry test configs/");
  cmd->callback([&action, paths] { action = [paths] { return run_tests(*paths); }; });
}

}  // namespace ferry::cli
