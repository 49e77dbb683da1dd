// The pipeline file loader: every field of a good file, each source and sink
// kind, durations and sizes, --set overrides and load_file. The problems a bad
// file gets are in pipeline_problems_test.cpp.
#include "pipeline_loader_harness.hpp"

using namespace loader_test;

TEST_CASE("loader: a good file loads every field", "[pipeline]") {
  TempDir tmp;
  const auto l = load(R"(pipeline: word-count.v2
plugins:
  math: math
  text: ../lib/libtext.so
  abs: /opt/plugins/libabs.so
  rel: plugins/libx
shared:
  counts: dict<str, i64>
  seen: list<str>
  jobs: queue<i64>
  nested: dict<str,list<i64>>
output: {dict: counts}
defaults:
  workers: 2
  timeout: 1.5
stages:
  - name: numbers
    source: {task: math.gen, args: [1, "two", [3]]}
    workers: 1
  - name: sq
    map: math.square
    workers: 3
    chunksize: 4
    ordered: false
    timeout: 250ms
    retries: 2
    on_error: collect
    max_tasks_per_child: 10
    queue_size: 64
    memory_limit: 512MiB
  - name: pairs
    starmap: math.pair
    on_error: skip
    timeout: 2m
  - name: words
    flat_map: text.split
    timeout: 1h
    memory_limit: 2G
  - name: total
    apply: math.total
    on_error: fail
    memory_limit: 1000
  - name: groups
    batch: 3
  - name: out
    sink: {file: out/result.jsonl}
)",
                      {}, tmp.str());
  INFO(l.all());
  REQUIRE(l.problems.empty());
  const auto& p = l.p;
  CHECK(p.name == "word-count.v2");
  CHECK(p.file == "p.yaml");
  CHECK(p.dir == tmp.str());
  REQUIRE(p.plugins.size() == 4);
  CHECK(p.plugins[0].alias == "math");
  CHECK(p.plugins[0].name_or_path == "math");  // a bare name is searched later
  CHECK(p.plugins[1].name_or_path == (tmp.path.parent_path() / "lib/libtext.so").string());
  CHECK(p.plugins[2].name_or_path == "/opt/plugins/libabs.so");
  CHECK(p.plugins[3].name_or_path == (tmp.path / "plugins/libx").string());
  CHECK(p.plugins[1].where.line == 4);
  CHECK(p.plugins[1].where.column == 9);

  REQUIRE(p.shared.size() == 4);
  CHECK(p.shared[0].kind == SharedDecl::Kind::dict);
  CHECK(p.shared[0].name == "counts");
  CHECK(p.shared[0].type == "dict<str, i64>");
  CHECK(p.shared[0].key_type == "str");
  CHECK(p.shared[0].item_type == "i64");
  CHECK(p.shared[1].kind == SharedDecl::Kind::list);
  CHECK(p.shared[1].item_type == "str");
  CHECK(p.shared[2].kind == SharedDecl::Kind::queue);
  CHECK(p.shared[2].item_type == "i64");
  CHECK(p.shared[3].key_type == "str");
  CHECK(p.shared[3].item_type == "list<i64>");
  CHECK(p.output_dict == "counts");
  CHECK(p.output_where.line == 12);
  CHECK(p.output_where.column == 16);

  CHECK(p.defaults.workers == 2u);
  CHECK(p.defaults.timeout == std::chrono::milliseconds(1500));
  CHECK_FALSE(p.defaults.chunksize);

  REQUIRE(p.stages.size() == 7);
  const auto& src = p.stages[0];
  CHECK(src.kind == Stage::Kind::source);
  CHECK(source_key(src) == "task");
  REQUIRE(src.source->task());
  CHECK(src.source->task()->plugin == "math");
  CHECK(src.source->task()->task == "gen");
  const auto& args = *src.source->task_args();
  REQUIRE(args.size() == 3);
  CHECK(args[0] == ferry::Value(1));
  CHECK(args[1] == ferry::Value("two"));
  CHECK(args[2].is_list());
  CHECK(src.settings.workers == 1u);
  CHECK(src.runs_tasks());
  CHECK(src.where.line == 17);
  CHECK(src.where.column == 5);
  CHECK(src.name_where.line == 17);
  CHECK(src.name_where.column == 11);
  CHECK(src.kind_where.line == 18);
  CHECK(src.kind_where.column == 13);

  const auto& sq = p.stages[1];
  CHECK(sq.kind == Stage::Kind::map);
  CHECK(sq.task.plugin == "math");
  CHECK(sq.task.task == "square");
  CHECK(sq.task.where.line == 21);
  CHECK(sq.settings.workers == 3u);
  CHECK(sq.workers_where.line == 22);
  CHECK(sq.workers_where.column == 14);
  CHECK(sq.settings.chunksize == 4u);
  CHECK(sq.settings.ordered == false);
  CHECK(sq.settings.timeout == std::chrono::milliseconds(250));
  CHECK(sq.settings.retries == 2u);
  CHECK(sq.settings.on_error == OnError::collect);
  CHECK(sq.settings.max_tasks_per_child == 10u);
  CHECK(sq.settings.queue_size == 64u);
  CHECK(sq.settings.memory_limit == 512u * 1024 * 1024);

  CHECK(p.stages[2].kind == Stage::Kind::starmap);
  CHECK(p.stages[2].settings.on_error == OnError::skip);
  CHECK(p.stages[2].settings.timeout == std::chrono::minutes(2));
  CHECK(p.stages[3].kind == Stage::Kind::flat_map);
  CHECK(p.stages[3].task.plugin == "text");
  CHECK(p.stages[3].settings.timeout == std::chrono::hours(1));
  CHECK(p.stages[3].settings.memory_limit == 2ull << 30);
  CHECK(p.stages[4].kind == Stage::Kind::apply);
  CHECK(p.stages[4].settings.on_error == OnError::fail);
  CHECK(p.stages[4].settings.memory_limit == 1000u);
  CHECK_FALSE(p.stages[4].settings.workers);  // unset: defaults apply later
  CHECK(p.stages[5].kind == Stage::Kind::batch);
  CHECK(p.stages[5].batch == 3u);
  CHECK_FALSE(p.stages[5].runs_tasks());
  CHECK(p.stages[6].kind == Stage::Kind::sink);
  CHECK(sink_key(p.stages[6]) == "file");
  CHECK(p.stages[6].sink->output_path() == (tmp.path / "out/result.jsonl").string());
  CHECK(std::string(kind_name(Stage::Kind::flat_map)) == "flat_map");
  CHECK(std::string(kind_name(Stage::Kind::source)) == "source");
}

TEST_CASE("loader: each source and sink kind", "[pipeline]") {
  TempDir tmp;
  auto one = [&](const std::string& source, const std::string& sink) {
    auto l = load("pipeline: p\nshared: {d: \"dict<str,i64>\"}\nstages:\n  - name: s\n    source: " + source +
                      "\n  - name: out\n    sink: " + sink + "\n",
                  {}, tmp.str());
    INFO(l.all());
    REQUIRE(l.problems.empty());
    return l.p.stages;
  };
  auto st = one("{values: [1, two, [3, 4], {k: v}, null]}", "stdout");
  CHECK(source_key(st[0]) == "values");
  auto items = items_of(st[0]);
  REQUIRE(items.size() == 5);
  CHECK(items[1] == ferry::Value("two"));
  CHECK(items[2].as_list().size() == 2);  // a list value is one item
  CHECK(items[4].is_null());
  const auto literals = st[0].source->items();
  CHECK(literals.kind == SourceItems::Kind::literals);
  REQUIRE(literals.literal_where->size() == 5);
  CHECK((*literals.literal_where)[1].line == 5);
  CHECK((*literals.literal_where)[1].column == 26);
  CHECK(sink_key(st[1]) == "stdout");

  st = one("{range: [0, 10]}", "{dict: d}");
  CHECK(source_key(st[0]) == "range");
  items = items_of(st[0]);
  REQUIRE(items.size() == 10);
  CHECK(items.front() == ferry::Value(0));
  CHECK(items.back() == ferry::Value(9));
  CHECK(st[0].source->items().type == "i64");
  CHECK(sink_key(st[1]) == "dict");
  CHECK(st[1].sink->target() == "dict<str,i64>");

  st = one("{range: [10, -5, -3]}", "{file: " + tmp.str() + "/out/x.jsonl}");
  CHECK(items_of(st[0]) == std::vector<ferry::Value>{10, 7, 4, 1, -2});
  // Items go out in blocks: one and a half of them, in order.
  items = items_of(one("{range: [5, 1805, 2]}", "stdout")[0]);
  REQUIRE(items.size() == 900);
  for (std::size_t i = 0; i < items.size(); ++i) CHECK(items[i] == ferry::Value(5 + 2 * static_cast<std::int64_t>(i)));
  // Up to the ends of i64, without overflowing past them.
  CHECK(items_of(one("{range: [9223372036854775800, 9223372036854775807, 3]}", "stdout")[0]) ==
        std::vector<ferry::Value>{9223372036854775800, 9223372036854775803, 9223372036854775806});
  CHECK(items_of(one("{range: [-9223372036854775805, -9223372036854775807, -2]}", "stdout")[0]) ==
        std::vector<ferry::Value>{-9223372036854775805});
  CHECK(st[1].sink->output_path() == tmp.str() + "/out/x.jsonl");  // absolute kept

  st = one("{lines: data/text.txt}", "{file: here.jsonl}");
  CHECK(source_key(st[0]) == "lines");
  CHECK(st[0].source->input_path() == (tmp.path / "data/text.txt").string());
  CHECK(items_of(st[0]) == std::vector<ferry::Value>{"a b", "c"});
  CHECK(st[1].sink->output_path() == (tmp.path / "here.jsonl").string());

  st = one("{json_lines: ./data/items.jsonl}", "stdout");
  CHECK(source_key(st[0]) == "json_lines");
  CHECK(st[0].source->input_path() == (tmp.path / "data/items.jsonl").string());
  CHECK(items_of(st[0]) == std::vector<ferry::Value>{1, ferry::Value::List{2}});
  CHECK(st[0].source->items().kind == SourceItems::Kind::any);

  st = one("{lines: \"-\"}", "stderr");
  CHECK(source_key(st[0]) == "lines");
  CHECK(st[0].source->input_path().empty());  // standard input
  CHECK_FALSE(st[0].source->not_resumable().empty());
  CHECK(sink_key(st[1]) == "stderr");

  st = one("{files: \"data/*.t*\"}", "stdout");
  CHECK(source_key(st[0]) == "files");
  CHECK(items_of(st[0]) == std::vector<ferry::Value>{(tmp.path / "data/text.txt").string()});
}

TEST_CASE("loader: durations and sizes", "[pipeline]") {
  auto settings = [](const std::string& timeout, const std::string& memory) {
    auto l = load("pipeline: p\ndefaults: {timeout: " + timeout + ", memory_limit: " + memory +
                  "}\nstages:\n  - name: s\n    source: {values: [1]}\n");
    INFO(l.all());
    REQUIRE(l.problems.empty());
    return l.p.defaults;
  };
  CHECK(settings("0.5", "1").timeout == std::chrono::milliseconds(500));
  CHECK(settings("100ms", "4K").memory_limit == 4096u);
  CHECK(settings("2", "1.5GiB").timeout == std::chrono::seconds(2));
  CHECK(settings("2", "1.5GiB").memory_limit == 3u << 29);
  CHECK(settings("1.5s", "10KB").memory_limit == 10000u);
  CHECK(settings("1.5s", "10KB").timeout == std::chrono::milliseconds(1500));
  CHECK(settings("0.0001", "3MB").timeout == std::chrono::milliseconds(1));  // rounded up, never 0
  CHECK(settings("1", "3MB").memory_limit == 3000000u);
  CHECK(settings("1", "2MiB").memory_limit == 2u << 20);
  CHECK(settings("1", "1G").memory_limit == 1u << 30);
  CHECK(settings("1", "1GB").memory_limit == 1000000000u);
  CHECK(settings("1", "8KiB").memory_limit == 8192u);
  CHECK(settings("1", "1M").memory_limit == 1u << 20);

  auto bad = [](const std::string& timeout, const std::string& memory) {
    return load("pipeline: p\ndefaults: {timeout: " + timeout + ", memory_limit: " + memory +
                "}\nstages:\n  - name: s\n    source: {values: [1]}\n");
  };
  auto l = bad("-5s", "0");
  check_at(l, "timeout must be greater than 0, got '-5s'", 2, 21);
  check_at(l, "memory_limit must be at least 1 byte, got 0", 2, 40);
  l = bad("5d", "12TB");
  check_at(l, "timeout must be a duration like 250ms, 5s, 2m or a number of seconds, got '5d'", 2, 21);
  check_at(l, "memory_limit must be a size like 512MiB, 2GiB, 1GB or a number of bytes, got '12TB'", 2, 39);
  l = bad("inf", "[1]");
  CHECK(l.with("got 'inf'").size() == 1);
  CHECK(l.with("got a list").size() == 1);
}

TEST_CASE("loader: overrides set, add and index before the checks", "[pipeline]") {
  const auto l = load(kBase, {"stages.check.workers=8", "stages.check.timeout=5s", "defaults.retries=3",
                              "stages.1.chunksize=16", "stages.numbers.source={values: [7, [8]]}", "pipeline=other",
                              "shared.extra=list<str>"});
  INFO(l.all());
  REQUIRE(l.problems.empty());
  const auto& p = l.p;
  CHECK(p.name == "other");
  CHECK(p.stages[1].settings.workers == 8u);
  CHECK(p.stages[1].workers_where.origin == "--set stages.check.workers=8");
  CHECK(p.stages[1].settings.timeout == std::chrono::seconds(5));
  CHECK(p.stages[1].settings.chunksize == 16u);
  CHECK(p.defaults.retries == 3u);
  const auto values = items_of(p.stages[0]);
  REQUIRE(values.size() == 2);
  CHECK(values[0] == ferry::Value(7));
  CHECK(values[1].is_list());
  REQUIRE(p.shared.size() == 2);
  CHECK(p.shared[1].name == "extra");
  CHECK(p.shared[1].kind == SharedDecl::Kind::list);
  // Untouched nodes still point into the file.
  CHECK(to_string(p.stages[1].task.where) == "p.yaml:10:10");

  // The last override of a node wins, also for where problems point.
  const auto twice = load(kBase, {"stages.check.workers=-1", "stages.check.workers=3"});
  INFO(twice.all());
  CHECK(twice.problems.empty());
  CHECK(twice.p.stages[1].settings.workers == 3u);
}

TEST_CASE("loader: aliases in a file or an override can neither recurse nor multiply", "[pipeline]") {
  // Found by tests/fuzz/fuzz_pipeline: an override whose value names its own
  // anchor was walked forever (a stack overflow).
  const auto self = load(kBase, {"x=&a [*a]", "stages.numbers.source={values: &b [1, *b]}"});
  check_origin(self, "unknown key 'x' at the top level", "--set x=&a [*a]");
  check_origin(self, "nested deeper than", "--set stages.numbers.source={values: &b [1, *b]}");

  // The limit on values an alias may expand to holds for the whole file, not
  // for each list item apart: 2 items of 1.1M values each are 2.2M values (a
  // few hundred bytes could otherwise expand to gigabytes).
  std::string file = "pipeline: p\nx0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  for (int i = 1; i <= 5; ++i) {
    file += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) file += (j ? ", *a" : "*a") + std::to_string(i - 1);
    file += "]\n";
  }
  file += "stages:\n  - name: s\n    source: {values: [*a5, *a5]}\n";
  const auto bomb = load(file);
  INFO(bomb.all());
  const auto found = bomb.with("document expands to more than 2097152 values (aliases?)");
  CHECK(found.size() == 1);
}

TEST_CASE("loader: a path that cannot be applied is a problem at the override", "[pipeline]") {
  const auto l = load(kBase, {"stages.chek.workers=2", "stages.7.workers=2", "nonsense", "stages..workers=1",
                              "stages.check.map.x=1", "stages.check.workers=[1", "stages.out.sink.file.x=1",
                              "stages.numbers.source.range.5=1"});
  check_origin(l, "no stage named 'chek' (stages: numbers, check, out)", "--set stages.chek.workers=2");
  check_origin(l, "no stage at index 7 (3 stages: numbers, check, out)", "--set stages.7.workers=2");
  check_origin(l, "expected PATH=VALUE", "--set nonsense");
  check_origin(l, "the path 'stages..workers' has an empty segment", "--set stages..workers=1");
  check_origin(l, "cannot set 'x' inside 'stages.check.map': it is 'math.is_prime', not a map or a list",
               "--set stages.check.map.x=1");
  check_origin(l, "the value is not valid YAML", "--set stages.check.workers=[1");
  check_origin(l, "cannot set 'file' inside 'stages.out.sink': it is 'stdout', not a map or a list",
               "--set stages.out.sink.file.x=1");
  check_origin(l, "index 5 is out of range for 'stages.numbers.source.range' (2 items)",
               "--set stages.numbers.source.range.5=1");
  CHECK(l.problems.size() == 8);
}

TEST_CASE("loader: problems in an overridden value point to the override", "[pipeline]") {
  const auto l = load(kBase, {"stages.check.workers=-1", "stages.check.wokers=2",
                              "stages.numbers.source={range: [0, 1, 0]}", "stages.out.sink={dict: nope}"});
  check_origin(l, "workers must be an integer from 1 to 1024, got -1", "--set stages.check.workers=-1");
  check_origin(l, "unknown key 'wokers' in stage 'check'; did you mean 'workers'?", "--set stages.check.wokers=2");
  check_origin(l, "range step must not be 0", "--set stages.numbers.source={range: [0, 1, 0]}");
  check_origin(l, "sink dict 'nope' is not declared under shared: (declared dicts: found)",
               "--set stages.out.sink={dict: nope}");
  CHECK(l.problems.size() == 4);

  const auto v = load(kBase, {"stages.numbers.source={values: [{a: 1, a: 2}]}"});
  check_origin(v, "duplicate key 'a'", "--set stages.numbers.source={values: [{a: 1, a: 2}]}");
  // A new top-level key written by an override is placed at the override too.
  const auto k = load(kBase, {"colour=red"});
  check_origin(k, "unknown key 'colour' at the top level", "--set colour=red");
  // A problem in the file next to an override still names its line.
  const auto both = load(kBase + "    timeout: soon\n", {"stages.check.workers=0"});
  check_origin(both, "workers must be an integer from 1 to 1024, got 0", "--set stages.check.workers=0");
  check_at(both, "setting 'timeout' does not apply to stage 'out'", 14, 5);
}

TEST_CASE("loader: load_file reads the file and resolves against its folder", "[pipeline]") {
  TempDir tmp;
  const auto file = (tmp.path / "p.yaml").string();
  std::ofstream(file) << "pipeline: p\nstages:\n  - name: l\n    source: {lines: data/text.txt}\n    workers: 2\n";
  std::vector<Problem> problems;
  const auto p = load_file(file, {}, problems);
  REQUIRE(problems.size() == 1);
  CHECK(to_string(problems[0].where) == file + ":5:5");
  CHECK(p.dir == tmp.str());
  CHECK(p.file == file);
  CHECK(p.stages.at(0).source->input_path() == (tmp.path / "data/text.txt").string());

  problems.clear();
  load_file(file, {"stages.l.source.lines=data/none.txt"}, problems);
  REQUIRE(problems.size() == 2);
  CHECK(to_string(problems[0].where) == "--set stages.l.source.lines=data/none.txt");
  CHECK(problems[0].message == "lines file not found: data/none.txt (looked in " + tmp.str() + ")");
  CHECK(to_string(problems[1].where) == file + ":5:5");  // the key is the file's, not the override's

  problems.clear();
  load_file("/nonexistent/p.yaml", {}, problems);
  REQUIRE(problems.size() == 1);
  CHECK(to_string(problems[0].where) == "/nonexistent/p.yaml");
  CHECK(problems[0].message.starts_with("cannot read pipeline file '/nonexistent/p.yaml': "));
  problems.clear();
  load_file(tmp.str(), {}, problems);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].message.find("it is a folder") != std::string::npos);
}
