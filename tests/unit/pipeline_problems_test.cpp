// The pipeline file loader's problems: each kind at its exact line:column,
// with a message saying what was expected and what was found, all of them in
// one pass.
#include "pipeline_loader_harness.hpp"

using namespace loader_test;

TEST_CASE("loader: unknown keys suggest the closest or list the allowed ones", "[pipeline]") {
  const auto l = load(R"(pipeline: p
plugins: {math: math}
stage: []
stages:
  - name: numbers
    source: {valus: [1]}
  - name: check
    map: math.is_prime
    wokers: 2
    colour: red
)");
  check_at(l, "unknown key 'wokers' in stage 'check'; did you mean 'workers'?", 9, 5);
  check_at(l, "unknown key 'stage' at the top level; did you mean 'stages'?", 3, 1);
  check_at(l, "unknown key 'valus' in the source of stage 'numbers'; did you mean 'values'?", 6, 14);
  check_at(l, "unknown key 'colour' in stage 'check' (allowed: name, source, map, starmap, flat_map, apply, batch, "
              "sink, workers, chunksize, ordered, timeout, retries, on_error, max_tasks_per_child, queue_size, "
              "memory_limit, errors)",
           10, 5);
  check_at(l, "a source needs exactly one of values, range, lines, json_lines, files, task, redis_stream; found none", 6, 13);
}

TEST_CASE("loader: bad setting values say what was expected and what was found", "[pipeline]") {
  const auto l = load(R"(pipeline: p
plugins: {m: m}
defaults:
  workers: two
  queue_size: 0
stages:
  - name: numbers
    source: {range: [0, 3]}
  - name: check
    map: m.t
    workers: -1
    chunksize: 1.5
    ordered: yes
    timeout: soon
    retries: -2
    on_error: ignore
    max_tasks_per_child: "3"
    memory_limit: lots
  - name: more
    map: m.t
    timeout: 0
    memory_limit: 1.5
)");
  check_at(l, "workers must be an integer from 1 to 1024, got 'two'", 4, 12);
  check_at(l, "queue_size must be an integer >= 1, got 0", 5, 15);
  check_at(l, "workers must be an integer from 1 to 1024, got -1", 11, 14);
  check_at(l, "chunksize must be an integer >= 1, got 1.5", 12, 16);
  check_at(l, "ordered must be true or false, got 'yes'", 13, 14);
  check_at(l, "timeout must be a duration like 250ms, 5s, 2m or a number of seconds, got 'soon'", 14, 14);
  check_at(l, "retries must be an integer from 0 to 1000, got -2", 15, 14);
  check_at(l, "on_error must be fail, skip or collect, got 'ignore'", 16, 15);
  check_at(l, "max_tasks_per_child must be an integer >= 0, got '3'", 17, 26);
  check_at(l, "memory_limit must be a size like 512MiB, 2GiB, 1GB or a number of bytes, got 'lots'", 18, 19);
  check_at(l, "timeout must be greater than 0, got 0", 21, 14);
  check_at(l, "memory_limit must be a size like 512MiB, 2GiB, 1GB or a number of bytes, got 1.5", 22, 19);
  CHECK(l.problems.size() == 12);  // all of them, in one pass
}

TEST_CASE("loader: stage kinds, order, names and task references", "[pipeline]") {
  const auto l = load(R"(pipeline: p
plugins: {math: math}
stages:
  - name: check
    map: math.is_prime
  - name: out
    sink: stdout
  - name: nums
    source: {values: [1]}
  - name: check
    map: mth.is_prime
    starmap: math.x
  - name: b
    batch: 0
    workers: 2
  - name: t
    apply: is_prime
)");
  check_at(l, "the first stage must be a source (values, range, lines, json_lines, files, task or redis_stream); 'check' is a map stage", 5,
           5);
  check_at(l, "stage 'out' is a sink, so it must be the last stage", 7, 5);
  check_at(l, "only the first stage can be a source; 'nums' is stage #3", 9, 5);
  check_at(l, "duplicate stage name 'check' (first at 4:11)", 10, 11);
  check_at(l, "a stage needs exactly one of source, map, starmap, flat_map, apply, batch, sink; found map and starmap",
           12, 5);
  check_at(l, "'mth' is not a plugin alias declared under plugins: (declared: math)", 11, 10);
  check_at(l, "batch must be an integer >= 1, got 0", 14, 12);
  check_at(l, "setting 'workers' does not apply to stage 'b': a batch stage runs no task", 15, 5);
  check_at(l, "task reference must be plugin.task, got 'is_prime'", 17, 12);
  CHECK(l.problems.size() == 9);
  // Reported top to bottom, whatever order the checks ran in.
  for (std::size_t i = 1; i < l.problems.size(); ++i)
    CHECK(std::make_pair(l.problems[i - 1].where.line, l.problems[i - 1].where.column) <
          std::make_pair(l.problems[i].where.line, l.problems[i].where.column));
}

TEST_CASE("loader: settings on a stage that runs no task", "[pipeline]") {
  const auto l = load(R"(pipeline: p
stages:
  - name: nums
    source: {values: [1, 2]}
    workers: 2
  - name: out
    sink: stdout
    timeout: 5s
)");
  check_at(l, "setting 'workers' does not apply to stage 'nums': a values source runs no task", 5, 5);
  check_at(l, "setting 'timeout' does not apply to stage 'out': a sink runs no task", 8, 5);
  CHECK(l.problems.size() == 2);
  const auto r = load("pipeline: p\nstages:\n  - name: r\n    source: {range: [0, 2]}\n    retries: 1\n");
  check_at(r, "setting 'retries' does not apply to stage 'r': a range source runs no task", 5, 5);
  const auto task = load("pipeline: p\nstages:\n  - name: g\n    source: {task: m.gen}\n    retries: 1\n");
  check_at(task, "'m' is not a plugin alias declared under plugins: (none declared)", 4, 20);
  CHECK(task.problems.size() == 1);  // a task source takes settings
}

TEST_CASE("loader: the top level and the shape of stages", "[pipeline]") {
  auto l = load("");
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].message == "a pipeline file must be a mapping with pipeline: and stages:, got nothing");
  l = load("plugins: {}\n");
  check_at(l, "missing pipeline: (the pipeline's name", 1, 1);
  check_at(l, "missing stages: (the list of stages", 1, 1);
  l = load("pipeline: my pipe\nstages: []\n");
  check_at(l, "pipeline name must be letters, digits, '_', '-' or '.', got 'my pipe'", 1, 11);
  check_at(l, "stages must not be empty", 2, 9);
  l = load("pipeline: p\nstages: {a: 1}\n");
  check_at(l, "stages must be a list of stages, got a map", 2, 9);
  l = load("- a\n- b\n");
  check_at(l, "a pipeline file must be a mapping with pipeline: and stages:, got a list", 1, 1);
  l = load("pipeline: p\npipeline: q\nstages:\n  - just-a-name\n  - source: {values: [1]}\n  - name: my stage\n"
           "    sink: stdout\n  - name: x\n");
  check_at(l, "duplicate key 'pipeline' (first at 1:1)", 2, 1);
  check_at(l, "stage #1 must be a mapping with name: and one of source, map, starmap, flat_map, apply, batch, sink; "
              "got 'just-a-name'",
           4, 5);
  check_at(l, "stage #2 has no name: (every stage needs a unique name)", 5, 5);
  check_at(l, "stage name must be letters, digits, '_' or '-', got 'my stage'", 6, 11);
  check_at(l, "a stage needs exactly one of source, map, starmap, flat_map, apply, batch, sink; found none", 8, 5);
  check_at(l, "only the first stage can be a source; stage #2 is one", 5, 5);
  check_at(l, "stage #3 is a sink, so it must be the last stage", 7, 5);
  CHECK(l.problems.size() == 7);
}

TEST_CASE("loader: a YAML syntax error is one problem at the parser's mark", "[pipeline]") {
  const auto l = load("pipeline: p\nstages:\n  - name: a\n    source: {values: [1, 2}\n");
  INFO(l.all());
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].message.starts_with("invalid YAML: "));
  CHECK(l.problems[0].where.line == 4);
  CHECK(l.problems[0].where.column > 1);
}

TEST_CASE("loader: a second YAML document is refused where it starts", "[pipeline]") {
  // yaml-cpp reads the first document only; the stages after --- were lost.
  auto l = load("pipeline: p\nstages:\n  - name: a\n    source: {values: [1]}\n---\nmore: stages\n");
  INFO(l.all());
  REQUIRE(l.problems.size() == 1);
  check_at(l, "a second YAML document starts here", 5, 1);
  // After an explicit end (...), a document needs no --- to start.
  l = load("pipeline: p\nstages:\n  - name: a\n    source: {values: [1]}\n...\nmore: stages\n");
  check_at(l, "a second YAML document starts here", 6, 1);
  // A leading --- and a closing ... make one document, which is fine.
  l = load("---\npipeline: p\nstages:\n  - name: a\n    source: {values: [1]}\n...\n# the end\n");
  CHECK(l.problems.empty());
}

TEST_CASE("loader: YAML nested too deep says where and how deep, without crashing", "[pipeline]") {
  // yaml-cpp's depth guard used to surface as "invalid YAML: bad file".
  // A comment's quote is not one of the flow's.
  const auto l = load("pipeline: p\n# it's deep\nstages:\n  - name: a\n    source: {values: " +
                      std::string(10000, '[') + "\n");
  INFO(l.all());
  REQUIRE(l.problems.size() == 1);
  const auto& pr = l.problems[0];
  // yaml-cpp's limit is a build setting of the library (499 levels on Debian 12).
  CHECK(pr.message.starts_with("invalid YAML: nesting deeper than "));
  CHECK(pr.message.ends_with(" levels"));
  CHECK(pr.where.line == 5);
  CHECK(pr.where.column > 22);     // at a bracket: not the line's start,
  CHECK(pr.where.column < 10022);  // nor its end
  // Deep block nesting (one "- " per level) is caught as well.
  std::string block = "pipeline: p\nstages:\n";
  for (int i = 0; i < 3000; ++i) block += std::string(static_cast<std::size_t>(i) * 2, ' ') + "-\n";
  const auto b = load(block);
  REQUIRE(b.problems.size() == 1);
  CHECK(b.problems[0].message.starts_with("invalid YAML: nesting deeper than "));
  CHECK(b.problems[0].where.line > 3);
}

TEST_CASE("loader: workers and retries are bounded at validation, --set included", "[pipeline]") {
  const auto l = load(R"(pipeline: p
plugins: {m: m}
defaults:
  retries: 1001
stages:
  - name: numbers
    source: {range: [0, 3]}
  - name: a
    map: m.t
    workers: 9223372036854775807
  - name: b
    map: m.t
    workers: 100000
  - name: c
    map: m.t
    workers: 1024
    retries: 1000
    chunksize: 9223372036854775807
    queue_size: 9223372036854775807
    max_tasks_per_child: 9223372036854775807
)");
  INFO(l.all());
  check_at(l, "retries must be an integer from 0 to 1000, got 1001", 4, 12);
  check_at(l, "workers must be an integer from 1 to 1024, got 9223372036854775807", 10, 14);
  check_at(l, "workers must be an integer from 1 to 1024, got 100000", 13, 14);
  CHECK(l.problems.size() == 3);  // the largest allowed values and the unbounded settings pass

  const auto o = load("pipeline: p\nplugins: {m: m}\nstages:\n  - name: numbers\n    source: {range: [0, 3]}\n"
                      "  - name: check\n    map: m.t\n",
                      {"stages.check.workers=100000"});
  check_origin(o, "workers must be an integer from 1 to 1024, got 100000", "--set stages.check.workers=100000");
}

TEST_CASE("loader: sources are checked, files included", "[pipeline]") {
  TempDir tmp;
  const auto l = load(R"(pipeline: p
stages:
  - name: a
    source: {values: 5}
  - name: b
    source: {range: [1, 2, 0]}
  - name: c
    source: {range: [1]}
  - name: d
    source: {range: [1, x]}
  - name: e
    source: {lines: data/x.txt}
  - name: f
    source: {json_lines: data}
  - name: g
    source: {values: [1], range: [0, 1]}
  - name: h
    source: {values: [1], args: [2]}
  - name: i
    source: {values: [1, {a: 1, a: 2}]}
  - name: j
    source: stdin
)",
                      {}, tmp.str());
  check_at(l, "values must be a list (one item per element), got 5", 4, 22);
  check_at(l, "range step must not be 0", 6, 28);
  check_at(l, "range must be [start, stop] or [start, stop, step] of integers, got a list of 1", 8, 21);
  check_at(l, "range stop must be an integer, got 'x'", 10, 25);
  check_at(l, "lines file not found: data/x.txt (looked in " + tmp.str() + ")", 12, 21);
  check_at(l, "json_lines file is a folder, not a file: data (looked in " + tmp.str() + ")", 14, 26);
  check_at(l, "a source needs exactly one of values, range, lines, json_lines, files, task, redis_stream; found values and range", 16, 27);
  check_at(l, "args is only for a task source", 18, 27);
  check_at(l, "duplicate key 'a'", 20, 33);
  check_at(l, "a source must be a mapping: {values: [...]}, {range: [start, stop]}, {lines: FILE}, {json_lines: FILE}, "
              "{files: PATTERN}, {task: plugin.task} or {redis_stream: {stream: NAME, group: GROUP}}; got 'stdin'",
           22, 13);
  CHECK(l.with("only the first stage can be a source").size() == 9);
  CHECK(l.problems.size() == 19);
  const auto abs = load("pipeline: p\nstages:\n  - name: a\n    source: {lines: /nonexistent/x.txt}\n");
  check_at(abs, "lines file not found: /nonexistent/x.txt", 4, 21);
  CHECK(abs.problems[0].message.find("looked in") == std::string::npos);
}

TEST_CASE("loader: sinks, shared declarations, output and plugins", "[pipeline]") {
  TempDir tmp;
  const auto l = load(R"(pipeline: p
plugins:
  a.b: x
  m: [1]
shared:
  seen: list<str>
  bad: set<i64>
  d: dict<str>
output: {dict: seen}
stages:
  - name: a
    source: {values: [1]}
  - name: b
    sink: {dict: nope}
  - name: c
    sink: {file: missing/x.jsonl}
  - name: d
    sink: stdin
  - name: e
    sink: {dict: bad}
  - name: f
    sink: {file: out}
)",
                      {}, tmp.str());
  check_at(l, "plugin alias must be letters, digits, '_' or '-', got 'a.b'", 3, 3);
  check_at(l, "plugin 'm' must be a plugin name or a path, got a list", 4, 6);
  check_at(l, "shared 'bad' type must be dict<K,V>, list<T> or queue<T>, got 'set<i64>'", 7, 8);
  check_at(l, "shared 'd' type must be dict<K,V>, list<T> or queue<T>, got 'dict<str>'", 8, 6);
  check_at(l, "output dict 'seen' is declared under shared: as a list, not a dict", 9, 16);
  check_at(l, "sink dict 'nope' is not declared under shared: (no dict is declared)", 14, 18);
  check_at(l, "sink file folder not found: missing (for missing/x.jsonl, looked in " + tmp.str() + ")", 16, 18);
  check_at(l, "a sink must be stdout, stderr, {file: PATH}, {dict: NAME} or {redis_stream: NAME}, got 'stdin'", 18, 11);
  check_at(l, "sink file is a folder, not a file: out", 22, 18);
  CHECK(l.with("is a sink, so it must be the last stage").size() == 4);
  CHECK(l.with("'bad'").size() == 1);  // a use of a badly typed shared name is not a second problem
  CHECK(l.problems.size() == 13);

  const auto o = load(R"(pipeline: p
shared: {counts: "dict<str,i64>", jobs: "queue<i64>"}
output: {dict: cnts, colour: red}
stages:
  - name: a
    source: {values: [1]}
)");
  check_at(o, "output dict 'cnts' is not declared under shared: (declared dicts: counts)", 3, 16);
  check_at(o, "unknown key 'colour' in output: (allowed: dict)", 3, 22);
}
