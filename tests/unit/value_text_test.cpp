// ferry::Value as JSON and YAML text: the conventions the CLI's output and
// argument parsing rely on.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <ferry/errors.hpp>
#include <ferry/value_text.hpp>

using ferry::Value;

namespace {

// The message of the ConfigError fn throws, or "" when it throws none.
template <class F>
std::string config_error(F fn) {
  try {
    fn();
  } catch (const ferry::ConfigError& e) {
    return e.what();
  }
  return "";
}

Value yaml(const char* text) { return ferry::value_from_yaml(text); }

}  // namespace

TEST_CASE("to_json prints scalars as Python's json.dumps would", "[value_text]") {
  CHECK(ferry::to_json(Value()) == "null");
  CHECK(ferry::to_json(Value(true)) == "true");
  CHECK(ferry::to_json(Value(std::int64_t{-42})) == "-42");
  CHECK(ferry::to_json(Value(std::numeric_limits<std::int64_t>::min())) == "-9223372036854775808");
  CHECK(ferry::to_json(Value("a\"b\n")) == R"("a\"b\n")");
}

TEST_CASE("to_json keeps floats distinguishable from ints", "[value_text]") {
  CHECK(ferry::to_json(Value(2.0)) == "2.0");
  CHECK(ferry::to_json(Value(-0.5)) == "-0.5");
  CHECK(ferry::to_json(Value(0.1)) == "0.1");  // shortest round-trip form, not 0.1000000000000000055
  CHECK(ferry::to_json(Value(std::nan(""))) == "null");
  CHECK(ferry::to_json(Value(std::numeric_limits<double>::infinity())) == "null");
  CHECK(ferry::to_json(Value(-std::numeric_limits<double>::infinity())) == "null");
}

TEST_CASE("to_json writes bytes as padded base64", "[value_text]") {
  auto bytes = [](std::string s) { return Value(ferry::Bytes{{s.begin(), s.end()}}); };
  CHECK(ferry::to_json(bytes("")) == R"("")");
  CHECK(ferry::to_json(bytes("f")) == R"("Zg==")");
  CHECK(ferry::to_json(bytes("fo")) == R"("Zm8=")");
  CHECK(ferry::to_json(bytes("foo")) == R"("Zm9v")");
  CHECK(ferry::to_json(bytes("foobar")) == R"("Zm9vYmFy")");
  CHECK(ferry::to_json(Value(ferry::Bytes{{0xFF, 0x00, 0xFE}})) == R"("/wD+")");
}

TEST_CASE("to_json keeps map order and nests; indent pretty-prints", "[value_text]") {
  const Value v(Value::Map{{"z", 1}, {"a", Value::List{1, 2.5, nullptr}}, {"m", Value::Map{}}});
  CHECK(ferry::to_json(v) == R"({"z":1,"a":[1,2.5,null],"m":{}})");
  CHECK(ferry::to_json(Value(Value::List{1, 2}), 2) == "[\n  1,\n  2\n]");
}

TEST_CASE("to_json replaces invalid UTF-8 instead of failing", "[value_text]") {
  CHECK(ferry::to_json(Value(std::string("a\xFF" "b"))) == "\"a\xEF\xBF\xBD" "b\"");
}

TEST_CASE("to_json's direct writer prints what the JSON library prints", "[value_text]") {
  // Compact JSON is written without a JSON tree (the pipeline sinks' hot
  // path); these outputs are the library's own, recorded before that.
  CHECK(ferry::to_json(Value(1e15)) == "1e+15");
  CHECK(ferry::to_json(Value(123456789.125)) == "123456789.125");
  CHECK(ferry::to_json(Value(1e-5)) == "1e-05");
  CHECK(ferry::to_json(Value(-0.0)) == "-0.0");
  CHECK(ferry::to_json(Value(std::string("tab\there\x01\x1f\x7f/"))) == "\"tab\\there\\u0001\\u001f\x7f/\"");
  CHECK(ferry::to_json(Value(std::string("\xC3\xA9t\xC3\xA9"))) == "\"\xC3\xA9t\xC3\xA9\"");
  CHECK(ferry::to_json(Value(Value::Map{{"a", 1}, {"b", 2}, {"a", 3}})) == R"({"a":3,"b":2})");  // one key, as an object keeps it
  CHECK(ferry::to_json(Value(Value::Map{{"q\"k", Value::List{true, false, nullptr}}})) == R"({"q\"k":[true,false,null]})");
  CHECK(ferry::to_json(Value(Value::List{Value::List{}, Value::Map{}, Value(ferry::Bytes{{1, 2, 3}})})) ==
        R"([[],{},"AQID"])");
  CHECK(ferry::to_json(Value(Value::Map{{"\xC3\xA9", "x\xFF"}})) == "{\"\xC3\xA9\":\"x\xEF\xBF\xBD\"}");
  std::string out = "[";
  ferry::append_json(out, Value(Value::List{1, "a"}));
  CHECK(out == R"([[1,"a"])");
}

TEST_CASE("value_from_json reads every kind and round-trips to_json", "[value_text]") {
  const Value v = ferry::value_from_json(R"( {"b": true, "i": -3, "f": 2.0, "e": 1e3, "s": "x\u00e9",
                                             "l": [null, [], {}]} )");
  const Value want(Value::Map{{"b", true},
                              {"i", -3},
                              {"f", 2.0},
                              {"e", 1000.0},
                              {"s", "x\xC3\xA9"},
                              {"l", Value::List{nullptr, Value::List{}, Value::Map{}}}});
  CHECK(v == want);
  CHECK(ferry::value_from_json(ferry::to_json(want)) == want);
  CHECK(ferry::value_from_json("9223372036854775807") == Value(std::numeric_limits<std::int64_t>::max()));
  CHECK(ferry::value_from_json("-9223372036854775808") == Value(std::numeric_limits<std::int64_t>::min()));
}

TEST_CASE("value_from_json: a repeated key keeps its first place and last value", "[value_text]") {
  CHECK(ferry::value_from_json(R"({"a": 1, "b": 2, "a": 3})") == Value(Value::Map{{"a", 3}, {"b", 2}}));
}

TEST_CASE("value_from_json reports bad JSON with line and column", "[value_text]") {
  // Points at the newline that ended the bad literal, on the literal's line.
  CHECK_THAT(config_error([] { ferry::value_from_json("{\n  \"a\": tru\n}"); }),
             Catch::StartsWith("line 2, column 11: syntax error while parsing value - invalid literal"));
  CHECK(!config_error([] { ferry::value_from_json(""); }).empty());
  CHECK(!config_error([] { ferry::value_from_json("[1] 2"); }).empty());  // trailing garbage
  CHECK_THAT(config_error([] { ferry::value_from_json("[1,]"); }), Catch::StartsWith("line 1, column 4: "));
  CHECK(config_error([] { ferry::value_from_json("[1e400]"); }) == "line 1, column 6: number overflow parsing '1e400'");
}

TEST_CASE("value_from_json refuses integers outside int64 and deep nesting", "[value_text]") {
  CHECK_THAT(config_error([] { ferry::value_from_json("9223372036854775808"); }), Catch::Contains("64-bit"));
  CHECK_THAT(config_error([] { ferry::value_from_json("[123456789012345678901234567890]"); }),
             Catch::Contains("64-bit"));
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  CHECK(ferry::value_from_json(ok).is_list());
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  CHECK_THAT(config_error([&] { ferry::value_from_json(deep); }), Catch::Contains("deeper"));
  const std::string hostile(100000, '[');  // must fail fast, not overflow the stack
  CHECK_THAT(config_error([&] { ferry::value_from_json(hostile); }), Catch::Contains("deeper"));
}

TEST_CASE("value_from_yaml resolves plain scalars by the YAML 1.2 core schema", "[value_text]") {
  for (const char* t : {"", "~", "null", "Null", "NULL"}) CHECK(yaml(t).is_null());
  CHECK(yaml("true") == Value(true));
  CHECK(yaml("False") == Value(false));
  CHECK(yaml("yes") == Value("yes"));  // YAML 1.1's booleans are strings in 1.2
  CHECK(yaml("off") == Value("off"));
  CHECK(yaml("2") == Value(2));
  CHECK(yaml("-17") == Value(-17));
  CHECK(yaml("+5") == Value(5));
  CHECK(yaml("007") == Value(7));
  CHECK(yaml("0x1F") == Value(31));
  CHECK(yaml("0o17") == Value(15));
  CHECK(yaml("-9223372036854775808") == Value(std::numeric_limits<std::int64_t>::min()));
  CHECK(yaml("1.5") == Value(1.5));
  CHECK(yaml("-2.") == Value(-2.0));
  CHECK(yaml(".5") == Value(0.5));
  CHECK(yaml("1e3") == Value(1000.0));
  CHECK(yaml("+1.5E-2") == Value(0.015));
  CHECK(yaml(".inf") == Value(std::numeric_limits<double>::infinity()));
  CHECK(yaml("-.Inf") == Value(-std::numeric_limits<double>::infinity()));
  CHECK(std::isnan(yaml(".NaN").as_float()));
}

TEST_CASE("value_from_yaml keeps other text as strings", "[value_text]") {
  for (const char* t : {"hello", "hello world", "0x", "0xZZ", "-0x10", "1.2.3", "1e", ".", "nan", "inf", "12abc"})
    CHECK(yaml(t) == Value(t));
}

TEST_CASE("value_from_yaml: quoted and block scalars stay strings", "[value_text]") {
  CHECK(yaml("'2'") == Value("2"));
  CHECK(yaml("\"true\"") == Value("true"));
  CHECK(yaml("\"null\"") == Value("null"));
  CHECK(yaml("'~'") == Value("~"));
  CHECK(yaml("|\n  12\n") == Value("12\n"));
}

TEST_CASE("value_from_yaml: explicit tags force or check the type", "[value_text]") {
  CHECK(yaml("!!str 12") == Value("12"));
  CHECK(yaml("!!str true") == Value("true"));
  CHECK(yaml("!!float 2") == Value(2.0));
  CHECK(yaml("!!int 0x10") == Value(16));
  CHECK_THAT(config_error([] { yaml("!!int abc"); }), Catch::Contains("!!int"));
  CHECK_THAT(config_error([] { yaml("!custom x"); }), Catch::Contains("unsupported tag"));
}

TEST_CASE("value_from_yaml reads flow and block collections", "[value_text]") {
  CHECK(yaml("[1, 2]") == Value(Value::List{1, 2}));
  CHECK(yaml("[[1,2],[3,4]]") == Value(Value::List{Value::List{1, 2}, Value::List{3, 4}}));
  CHECK(yaml("{x: 1}") == Value(Value::Map{{"x", 1}}));
  CHECK(yaml("{x: 1.5, y: -2}") == Value(Value::Map{{"x", 1.5}, {"y", -2}}));
  const Value block = yaml("name: job\nretries: 3\nitems:\n  - a\n  - 'b'\n  -\nenabled: yes\n2: two\n");
  CHECK(block == Value(Value::Map{{"name", "job"},
                                  {"retries", 3},
                                  {"items", Value::List{"a", "b", nullptr}},
                                  {"enabled", "yes"},
                                  {"2", "two"}}));
  CHECK(yaml("{b: 1, a: 2}").as_map().front().first == "b");  // insertion order kept
}

TEST_CASE("value_from_yaml expands aliases", "[value_text]") {
  CHECK(yaml("base: &b {x: 1}\ncopy: *b\n") ==
        Value(Value::Map{{"base", Value::Map{{"x", 1}}}, {"copy", Value::Map{{"x", 1}}}}));
}

TEST_CASE("value_from_yaml reports errors with 1-based line and column", "[value_text]") {
  CHECK_THAT(config_error([] { yaml("a: 1\nb: [1, 2\n"); }), Catch::StartsWith("line "));
  CHECK_THAT(config_error([] { yaml("{x: 1"); }), Catch::Matches("line 1, column \\d+: .+"));
  CHECK(config_error([] { yaml("a: 1\na: 2\n"); }) == "line 2, column 1: duplicate key 'a'");
  CHECK(config_error([] { yaml("x: 99999999999999999999"); }) ==
        "line 1, column 4: integer 99999999999999999999 does not fit in a signed 64-bit integer");
  CHECK_THAT(config_error([] { yaml("? [1, 2]\n: x\n"); }), Catch::Contains("map keys must be scalars"));
  CHECK_THAT(config_error([] { yaml("1e999"); }), Catch::Contains("out of the range"));
}

TEST_CASE("value_from_yaml refuses deep nesting and alias bombs", "[value_text]") {
  const std::string ok = std::string(64, '[') + std::string(64, ']');  // same limit as value_from_json
  CHECK(yaml(ok.c_str()).is_list());
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  CHECK_THAT(config_error([&] { yaml(deep.c_str()); }), Catch::Contains("deeper"));
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char prev = static_cast<char>(c - 1);
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  CHECK_THAT(config_error([&] { yaml(bomb.c_str()); }), Catch::Contains("aliases"));
}
