// The connectors issue 14 added, through the embedding API: lines and
// json_lines from standard input ("-"), the files source, sink: stderr and
// errors: outputs for error records (on the pipeline, on a stage, with no
// sink, with a dict sink), and what --journal and the outputs check say of
// them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline_test_support.hpp"

using ferry::test::read_file;
using ferry::test::stage;
using ferry::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Runs yaml with in as standard input; out and err receive the streams.
ferry::PipelineStats run(ferry::Engine& engine, const TempDir& dir, const std::string& yaml, std::string& out,
                         std::string& err, const std::string& in = "", const std::string& journal = "") {
  std::istringstream input(in);
  std::ostringstream output, errors;
  ferry::PipelineRunOptions options;
  options.in = &input;
  options.out = &output;
  options.errors = &errors;
  options.journal = journal;
  auto pipeline = ferry::Pipeline::load(engine, dir.write("pipeline.yaml", yaml));
  const auto stats = pipeline.run(options);
  out = output.str();
  err = errors.str();
  return stats;
}

// A pipeline that throws on items 7 and 17 of range(20), collecting them.
std::string collecting(const std::string& pipeline_errors, const std::string& stage_errors,
                       const std::string& sink = "  - name: out\n    sink: stdout\n") {
  return "pipeline: p\nplugins: {faults: faults}\n" + pipeline_errors +
         "stages:\n  - name: n\n    source: {range: [0, 20]}\n"
         "  - name: work\n    map: faults.throw_on_7\n    workers: 2\n    chunksize: 3\n    on_error: collect\n" +
         stage_errors + sink;
}

// The error records of a collecting run, one JSON line each.
std::vector<ferry::Value> records(const std::string& text) {
  std::vector<ferry::Value> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out.push_back(ferry::value_from_json(line));
  return out;
}

// The problems Pipeline::load reports for file (none when it loads).
std::vector<ferry::PipelineProblem> problems_of(ferry::Engine& engine, const std::string& file) {
  try {
    ferry::Pipeline::load(engine, file);
  } catch (const ferry::PipelineInvalid& e) {
    return e.problems();
  }
  return {};
}

// Item positions of error records, in order.
std::vector<std::int64_t> failed_items(const std::string& text) {
  std::vector<std::int64_t> items;
  for (const auto& r : records(text)) items.push_back(r.as_map().at(0).second.as_map().at(2).second.as_int());
  return items;
}

}  // namespace

TEST_CASE("lines: \"-\" and json_lines: \"-\" read standard input", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  std::string out, err;
  auto s = run(engine, dir,
               "pipeline: p\nstages:\n  - name: l\n    source: {lines: \"-\"}\n  - name: out\n    sink: stdout\n", out,
               err, "a b\r\n\nc");
  REQUIRE(s.ok);
  CHECK(out == "\"a b\"\n\"\"\n\"c\"\n");  // CRLF cut, an empty line is an item, a last line without \n too

  s = run(engine, dir,
          "pipeline: p\nplugins: {math: math}\nstages:\n  - name: j\n    source: {json_lines: '-'}\n"
          "  - name: sq\n    map: math.square\n    workers: 1\n  - name: out\n    sink: stdout\n",
          out, err, "3\n\n4\n");
  REQUIRE(s.ok);
  CHECK(out == "9\n16\n");

  s = run(engine, dir, "pipeline: p\nstages:\n  - name: j\n    source: {json_lines: '-'}\n  - name: out\n    sink: stdout\n",
          out, err, "1\n{nope\n");
  CHECK_FALSE(s.ok);
  CHECK_THAT(s.error, Catch::Contains("stdin:2: not a JSON value"));
}

TEST_CASE("a journal refuses a source that reads standard input", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  std::string out, err;
  const auto yaml = "pipeline: p\nstages:\n  - name: l\n    source: {lines: '-'}\n  - name: save\n    sink: {file: out.jsonl}\n";
  CHECK_THROWS_WITH(run(engine, dir, yaml, out, err, "x\n", (dir.path() / "j").string()),
                    Catch::Contains("standard input, which a restart cannot read again"));
  CHECK_FALSE(fs::exists(dir.path() / "out.jsonl"));
}

TEST_CASE("files: every file a pattern matches, sorted, as absolute paths", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  fs::create_directories(dir.path() / "in" / "folder.txt");  // a folder is not an item
  dir.write("in/b.txt", "two words");
  dir.write("in/a.txt", "one");
  dir.write("in/C.txt", "three more words");
  dir.write("in/skip.csv", "x");
  std::string out, err;
  auto s = run(engine, dir,
               "pipeline: p\nplugins: {shared: shared}\nstages:\n  - name: f\n    source: {files: 'in/*.txt'}\n"
               "  - name: count\n    map: shared.file_words\n    workers: 2\n  - name: out\n    sink: stdout\n",
               out, err);
  REQUIRE(s.ok);
  CHECK(out == "[\"C.txt\",3]\n[\"a.txt\",1]\n[\"b.txt\",2]\n");  // bytewise order: upper case first

  s = run(engine, dir, "pipeline: p\nstages:\n  - name: f\n    source: {files: 'in/[ab].txt'}\n  - name: out\n    sink: stdout\n",
          out, err);
  REQUIRE(s.ok);
  const auto root = fs::canonical(dir.path()).string();
  CHECK(out == "\"" + root + "/in/a.txt\"\n\"" + root + "/in/b.txt\"\n");
}

TEST_CASE("files: a pattern that matches nothing is a problem at its place", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto file = dir.write("p.yaml", "pipeline: p\nstages:\n  - name: f\n    source: {files: 'none/*.txt'}\n");
  const auto problems = problems_of(engine, file);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].where == file + ":4:21");
  CHECK_THAT(problems[0].message, Catch::StartsWith("files: no file matches none/*.txt (looked in "));
}

TEST_CASE("errors: on the pipeline takes error records out of the sink's output", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  std::string out, err;
  auto s = run(engine, dir, collecting("errors: {file: errors.jsonl}\n", ""), out, err);
  REQUIRE(s.ok);
  CHECK(stage(s, "work").collected == 2);
  CHECK(out.find("error") == std::string::npos);
  CHECK(records(out).size() == 18);
  CHECK(failed_items(read_file(dir.path() / "errors.jsonl")) == std::vector<std::int64_t>{7, 17});
  CHECK(err.empty());

  // Without errors:, the sink writes them in their items' places.
  s = run(engine, dir, collecting("", ""), out, err);
  REQUIRE(s.ok);
  CHECK(records(out).size() == 20);
  std::string inline_records;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("{\"error\"")) inline_records += line + "\n";
  CHECK(failed_items(inline_records) == std::vector<std::int64_t>{7, 17});
}

TEST_CASE("errors: on a stage wins over the pipeline's; stderr goes to the host's stream", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  std::string out, err;
  auto s = run(engine, dir, collecting("errors: {file: errors.jsonl}\n", "    errors: stderr\n"), out, err);
  REQUIRE(s.ok);
  CHECK(failed_items(err) == std::vector<std::int64_t>{7, 17});
  CHECK(read_file(dir.path() / "errors.jsonl").empty());  // opened (truncated) but not used
  CHECK(records(out).size() == 18);
}

TEST_CASE("errors: works when no sink follows", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  std::string out, err;
  // The last stage's results are dropped; its error records are not.
  auto s = run(engine, dir, collecting("errors: {file: e.jsonl}\n", "", ""), out, err);
  REQUIRE(s.ok);
  CHECK(out.empty());
  CHECK(failed_items(read_file(dir.path() / "e.jsonl")) == std::vector<std::int64_t>{7, 17});

  // A batch stage last: the records pass it and are written too.
  s = run(engine, dir, collecting("errors: {file: e.jsonl}\n", "", "  - name: b\n    batch: 4\n"), out, err);
  REQUIRE(s.ok);
  CHECK(failed_items(read_file(dir.path() / "e.jsonl")) == std::vector<std::int64_t>{7, 17});

}

TEST_CASE("errors: files join the outputs check and the journal refuses them", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  std::string out, err;
  CHECK_THROWS_WITH(run(engine, dir, collecting("errors: {file: out.jsonl}\n", "", "  - name: save\n    sink: {file: out.jsonl}\n"), out, err),
                    Catch::Contains("are the same file"));
  CHECK_THROWS_WITH(
      run(engine, dir, collecting("errors: {file: e.jsonl}\n", "", "  - name: save\n    sink: {file: out.jsonl}\n"), out,
          err, "", (dir.path() / "journal").string()),
      Catch::Contains("--journal cannot be used with errors: {file: "));
  // errors: stderr is fine with a journal.
  auto s = run(engine, dir, collecting("errors: stderr\n", "", "  - name: save\n    sink: {file: out.jsonl}\n"), out, err,
               "", (dir.path() / "journal").string());
  REQUIRE(s.ok);
  CHECK(failed_items(err) == std::vector<std::int64_t>{7, 17});
  CHECK(records(read_file(dir.path() / "out.jsonl")).size() == 18);
}

TEST_CASE("errors: and sink: stderr are checked where they are written", "[pipeline]") {
  ferry::Engine engine;
  TempDir dir;
  const auto file = dir.write("p.yaml",
                              "pipeline: p\nerrors: {dict: d}\nstages:\n  - name: n\n    source: {range: [0, 3]}\n"
                              "    errors: stderr\n  - name: out\n    sink: stderr\n");
  const auto problems = problems_of(engine, file);
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].where == file + ":2:9");
  CHECK(problems[0].message == "an errors: output needs exactly one of file, redis_stream; found none");
  CHECK(problems[1].where == file + ":2:10");
  CHECK(problems[1].message == "unknown key 'dict' in errors: of the pipeline (allowed: file, redis_stream)");
  CHECK(problems[2].where == file + ":6:5");
  CHECK_THAT(problems[2].message, Catch::StartsWith("setting 'errors' does not apply to stage 'n'"));
}
