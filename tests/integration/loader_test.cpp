// Plugin loading errors name the plugin path and the reason, and a plugin
// that misbehaves while loading never harms the host.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <string>

#include <ferry/ferry.hpp>
#include <ferry/version.hpp>

namespace {
std::string test_plugin(const std::string& name) { return std::string(FERRY_TEST_PLUGIN_DIR) + "/lib" + name + ".so"; }

// Loads path, expects a PluginError whose message names path and contains reason.
void expect_refused(const std::string& path, const std::string& reason) {
  ferry::Engine engine;
  try {
    engine.load(path);
    FAIL("expected " << path << " to be refused");
  } catch (const ferry::PluginError& e) {
    CHECK_THAT(e.what(), Catch::Contains(path));
    CHECK_THAT(e.reason(), Catch::Contains(reason));
  }
}
}  // namespace

TEST_CASE("a missing file is refused", "[loader]") {
  expect_refused("/nonexistent/libnothing.so", "no such file");
}

TEST_CASE("a plugin name not on the search path lists the folders searched", "[loader]") {
  ferry::Engine engine;
  CHECK_THROWS_WITH(engine.load("no_such_plugin"),
                    Catch::Contains("not found") && Catch::Contains(FERRY_TEST_PLUGIN_DIR) &&
                        Catch::Contains("FERRY_PLUGIN_PATH"));
}

TEST_CASE("a file that is not a shared library is refused", "[loader]") {
  expect_refused(test_plugin("not_elf"), "not a loadable shared library");
}

TEST_CASE("a shared library without the ferry entry point is refused", "[loader]") {
  expect_refused(test_plugin("not_a_plugin"), "not a ferry plugin");
}

TEST_CASE("an ABI version mismatch is refused", "[loader]") {
  expect_refused(test_plugin("bad_abi"), "ABI version 999");
}

TEST_CASE("a plugin built with the SDK for another ABI version is refused naming both versions", "[loader]") {
  // libother_abi.so: plugins/broken/other_abi.cpp, FERRY_ABI_VERSION + 1.
  const std::string theirs = std::to_string(FERRY_ABI_VERSION + 1), ours = std::to_string(FERRY_ABI_VERSION);
  expect_refused(test_plugin("other_abi"),
                 "built for ferry plugin ABI version " + theirs + ", this ferry speaks version " + ours);
}

TEST_CASE("duplicate task names are refused", "[loader]") {
  expect_refused(test_plugin("duplicate_tasks"), "duplicate task name 'same'");
}

TEST_CASE("a plugin that throws while registering is refused with its reason", "[loader]") {
  expect_refused(test_plugin("throws_on_load"), "cannot reach license server");
}

TEST_CASE("FERRY_PLUGIN_PATH and EngineOptions extend the search path", "[loader]") {
  ferry::Engine engine({.plugin_path = {"/tmp/ferry-no-such-dir"}});
  const auto path = engine.plugin_search_path();
  REQUIRE_FALSE(path.empty());
  CHECK(path.front() == "/tmp/ferry-no-such-dir");
  CHECK(engine.load("faults").name() == "faults");
}

TEST_CASE("an unknown task is named with the tasks that exist", "[loader]") {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");
  CHECK_THROWS_WITH(math.task("nope"), Catch::Contains("no task 'nope'") && Catch::Contains("is_prime"));
}

// A host and a worker of different ferry releases (worker protocol
// versions) refuse each other, whichever side finds out first, and say why.
// ferry-worker reads FERRY_TEST_PROTOCOL (its own version) and
// FERRY_TEST_HELLO_PROTOCOL (the version its hello announces) for these.
TEST_CASE("a worker refuses a host of another protocol version", "[loader][protocol]") {
  ::setenv("FERRY_TEST_PROTOCOL", "99", 1);
  expect_refused(test_plugin("math"), "ferry-worker speaks worker protocol 99 but libferry speaks");
  ::unsetenv("FERRY_TEST_PROTOCOL");
}

TEST_CASE("a host refuses a worker of another protocol version", "[loader][protocol]") {
  ::setenv("FERRY_TEST_HELLO_PROTOCOL", "1", 1);
  expect_refused(test_plugin("math"), "ferry-worker speaks worker protocol 1 but libferry speaks");
  ::unsetenv("FERRY_TEST_HELLO_PROTOCOL");
}
