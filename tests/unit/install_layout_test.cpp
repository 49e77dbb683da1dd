// libferry finds its worker and plugins relative to its own file; in the
// build tree that is build/lib/libferry.so, build/bin/ferry-worker and
// build/lib/ferry/plugins. tests/install checks the installed layout.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <ferry/version.hpp>

#include "plugin/install_layout.hpp"
#include "plugin/search_path.hpp"

namespace fs = std::filesystem;

namespace {
bool same_file(const std::string& a, const std::string& b) { return fs::equivalent(a, b); }
}  // namespace

TEST_CASE("library_dir is the folder libferry was loaded from", "[plugin][layout]") {
  const std::string& dir = ferry::plugin::library_dir();
  REQUIRE_FALSE(dir.empty());
  CHECK(fs::path(dir).is_absolute());
  CHECK(same_file(dir, FERRY_TEST_LIBRARY_DIR));
}

TEST_CASE("the build tree's worker and plugins are found beside libferry", "[plugin][layout]") {
  const std::string worker = ferry::plugin::default_worker();
  CHECK(same_file(worker, FERRY_TEST_WORKER));
  const auto dirs = ferry::plugin::default_plugin_dirs();
  REQUIRE(dirs.size() == 1);
  CHECK(same_file(dirs.front(), FERRY_TEST_PLUGIN_DIR));
}

TEST_CASE("an explicit worker, then FERRY_WORKER, win over the one beside libferry", "[plugin][layout]") {
  CHECK(ferry::plugin::worker_executable("/opt/x/ferry-worker") == "/opt/x/ferry-worker");
  ::setenv("FERRY_WORKER", "/opt/y/ferry-worker", 1);
  CHECK(ferry::plugin::worker_executable("") == "/opt/y/ferry-worker");
  ::unsetenv("FERRY_WORKER");
  CHECK(same_file(ferry::plugin::worker_executable(""), FERRY_TEST_WORKER));
}

TEST_CASE("FERRY_PLUGIN_PATH comes before the plugins beside libferry", "[plugin][layout]") {
  ::setenv("FERRY_PLUGIN_PATH", "/opt/a:/opt/b", 1);
  const auto dirs = ferry::plugin::search_path({"/opt/first"});
  ::unsetenv("FERRY_PLUGIN_PATH");
  REQUIRE(dirs.size() == 4);
  CHECK(dirs[0] == "/opt/first");
  CHECK(dirs[1] == "/opt/a");
  CHECK(dirs[2] == "/opt/b");
  CHECK(same_file(dirs[3], FERRY_TEST_PLUGIN_DIR));
}

TEST_CASE("version.hpp agrees with the plugin ABI", "[version]") {
  CHECK(ferry::kPluginAbiVersion == FERRY_ABI_VERSION);
  CHECK(std::string(ferry::kVersionString) ==
        std::to_string(FERRY_VERSION_MAJOR) + "." + std::to_string(FERRY_VERSION_MINOR) + "." +
            std::to_string(FERRY_VERSION_PATCH));
  CHECK(FERRY_VERSION == FERRY_VERSION_MAJOR * 10000 + FERRY_VERSION_MINOR * 100 + FERRY_VERSION_PATCH);
}
