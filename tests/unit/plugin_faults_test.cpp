// The faults plugin breaks its process in one specific way per task; these
// tests pin down each way (in a forked child) so engine tests can rely on it.
// Also checks that each broken/ library is broken in exactly its one way.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "plugin_harness.hpp"

using ferry::Value;
using plugin_test::call;

namespace {

const ferry_plugin_v1* faults() {
  static const plugin_test::Library lib("faults");
  return lib.descriptor();
}

// The wait status of a child that runs task `name` with args. Default signal
// dispositions first: a sanitizer runtime would otherwise turn the signal
// into an ordinary exit.
int status_of(const std::string& name, Value::List args) {
  const ferry_plugin_v1* p = faults();
  return plugin_test::run_in_child([&] {
    std::signal(SIGSEGV, SIG_DFL);
    std::signal(SIGABRT, SIG_DFL);
    call(p, name, std::move(args));
  });
}

// In a child: makes sv[1] the child's fd 3, the worker's protocol socket,
// whatever numbers socketpair chose, and keeps no other end open.
void become_fd3(const int sv[2]) {
  const int end = fcntl(sv[1], F_DUPFD, 10);  // >= 10: cannot collide with 3
  close(sv[0]);
  close(sv[1]);
  dup2(end, 3);
  close(end);
}

}  // namespace

TEST_CASE("plugins faults: healthy tasks and thrown errors", "[plugins]") {
  const ferry_plugin_v1* p = faults();
  CHECK(std::string(p->name) == "faults");
  CHECK(std::string(p->version) == "1.0");
  CHECK(p->task_count == 21);
  CHECK(call(p, "segfault_on_3", {12}).value() == Value(12));
  CHECK(call(p, "throw_on_7", {6}).value() == Value(6));
  CHECK(call(p, "throw_on_7", {17}).error() == "std::domain_error: item 17 ends in 7");
  CHECK(call(p, "echo", {-9}).value() == Value(-9));
  CHECK(call(p, "sleep_ms", {5}).value() == Value(5));
  CHECK(call(p, "throw_error", {"oops"}).error() == "std::runtime_error: oops");
  CHECK(call(p, "throw_int", {1}).error() == "int: unknown exception");
  const Value big = call(p, "huge_result", {1 << 20}).value();
  CHECK(big.as_string() == std::string(1 << 20, 'x'));
  CHECK(call(p, "huge_result", {0}).value() == Value(""));
  CHECK_THAT(call(p, "huge_result", {-1}).error(), Catch::StartsWith("std::invalid_argument"));
  CHECK(std::string(plugin_test::find_task(p, "throw_error")->params) == "(str)");
  CHECK(std::string(plugin_test::find_task(p, "huge_result")->result) == "str");
}

TEST_CASE("plugins faults: fatal tasks end the process the way they say", "[plugins]") {
  int s = status_of("segfault", {1});
  CHECK((WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV));
  s = status_of("abort_now", {1});
  CHECK((WIFSIGNALED(s) && WTERMSIG(s) == SIGABRT));
  s = status_of("segfault_on_3", {13});
  CHECK((WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV));
  s = status_of("kill_self", {1});
  CHECK((WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL));
  s = status_of("exit_with", {7});
  CHECK((WIFEXITED(s) && WEXITSTATUS(s) == 7));
  s = status_of("exit_with", {0});
  CHECK((WIFEXITED(s) && WEXITSTATUS(s) == 0));
}

TEST_CASE("plugins faults: hang stays alive until killed", "[plugins]") {
  const ferry_plugin_v1* p = faults();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    call(p, "hang", {1});
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past one 1 s sleep step
  int status = 0;
  CHECK(waitpid(pid, &status, WNOHANG) == 0);
  kill(pid, SIGKILL);
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
}

TEST_CASE("plugins faults: garbage_to_host writes 64 0xFF bytes to fd 3", "[plugins]") {
  const ferry_plugin_v1* p = faults();
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  const int s = plugin_test::run_in_child([&] {
    become_fd3(sv);
    if (call(p, "garbage_to_host", {5}).value() != Value(5)) _exit(1);
  });
  CHECK((WIFEXITED(s) && WEXITSTATUS(s) == 0));
  close(sv[1]);
  std::string got(128, '\0');
  got.resize(static_cast<std::size_t>(std::max<ssize_t>(0, recv(sv[0], got.data(), got.size(), MSG_DONTWAIT))));
  CHECK(got == std::string(64, '\xFF'));
  close(sv[0]);
}

TEST_CASE("plugins faults: close_pipe closes fd 3 and returns normally", "[plugins]") {
  const ferry_plugin_v1* p = faults();
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  std::cout.flush();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    become_fd3(sv);
    if (call(p, "close_pipe", {6}).status != FERRY_OK) _exit(1);
    pause();  // stay alive: the EOF below must come from the close, not from an exit
    _exit(0);
  }
  close(sv[1]);
  pollfd ready{sv[0], POLLIN, 0};
  CHECK(poll(&ready, 1, 5000) == 1);
  char c = 0;
  CHECK(read(sv[0], &c, 1) == 0);
  int status = 0;
  CHECK(waitpid(pid, &status, WNOHANG) == 0);
  kill(pid, SIGKILL);
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  close(sv[0]);
}

TEST_CASE("plugins broken: each library is refused for its own reason", "[plugins]") {
  const plugin_test::Library not_a_plugin("not_a_plugin");
  CHECK(not_a_plugin.symbol(FERRY_PLUGIN_SYMBOL) == nullptr);
  CHECK(not_a_plugin.symbol("not_ferry_answer") != nullptr);

  const ferry_plugin_v1* bad_abi = plugin_test::Library("bad_abi").descriptor();
  CHECK(bad_abi->abi_version == 999);

  const ferry_plugin_v1* dup = plugin_test::Library("duplicate_tasks").descriptor();
  CHECK(dup->abi_version == FERRY_ABI_VERSION);
  CHECK(dup->load_error == nullptr);
  REQUIRE(dup->task_count == 2);
  CHECK(std::string(dup->tasks[0].name) == "same");
  CHECK(std::string(dup->tasks[1].name) == "same");
  CHECK(call(dup, "same", {1}).status == FERRY_BAD_INPUT);

  const ferry_plugin_v1* throws = plugin_test::Library("throws_on_load").descriptor();
  REQUIRE(throws->load_error != nullptr);
  CHECK(std::string(throws->load_error) == "cannot reach license server");
  CHECK(throws->task_count == 0);

  CHECK(dlopen(plugin_test::library_path("not_elf").c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr);
}
