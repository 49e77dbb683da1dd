// A minimal in-process host for the plugins built in this tree: dlopen a
// library from FERRY_PLUGIN_DIR and call its tasks in value mode, as
// ferry-worker would, so the plugins' tables and behaviour are checked
// without the engine. Fatal tasks run in a forked child (run_in_child).
#pragma once

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <ferry/abi.h>
#include <ferry/codec.hpp>
#include <ferry/value.hpp>

namespace plugin_test {

inline std::string library_path(const std::string& name) { return std::string(FERRY_PLUGIN_DIR) + "/lib" + name + ".so"; }

// A loaded library; stays loaded for the whole test process, as a worker's would.
class Library {
 public:
  explicit Library(const std::string& name) : handle_(dlopen(library_path(name).c_str(), RTLD_NOW | RTLD_LOCAL)) {
    if (!handle_) FAIL("dlopen " << library_path(name) << ": " << dlerror());
  }
  void* symbol(const char* name) const { return dlsym(handle_, name); }
  const ferry_plugin_v1* descriptor() const {
    auto entry = reinterpret_cast<ferry_plugin_entry_v1>(symbol(FERRY_PLUGIN_SYMBOL));
    REQUIRE(entry != nullptr);
    return entry();
  }

 private:
  void* handle_;
};

inline const ferry_task_v1* find_task(const ferry_plugin_v1* plugin, const std::string& name) {
  for (std::uint64_t i = 0; i < plugin->task_count; ++i)
    if (name == plugin->tasks[i].name) return &plugin->tasks[i];
  return nullptr;
}

// The outcome of one call: status, output bytes and the log lines received.
struct Result {
  std::int32_t status = -1;
  std::string output;
  std::vector<std::string> logs;

  ferry::Value value() const {
    REQUIRE(status == FERRY_OK);
    return ferry::codec::decode_value(output);
  }
  // "<type>: <message>" from a FERRY_TASK_ERROR output.
  std::string error() const {
    REQUIRE(status == FERRY_TASK_ERROR);
    const auto nul = output.find('\0');
    REQUIRE(nul != std::string::npos);
    return output.substr(0, nul) + ": " + output.substr(nul + 1);
  }
};

// Calls task `name` in value mode with args.
inline Result call(const ferry_plugin_v1* plugin, const std::string& name, ferry::Value::List args) {
  const ferry_task_v1* task = find_task(plugin, name);
  REQUIRE(task != nullptr);
  const std::string input = ferry::codec::encode_value(ferry::Value(std::move(args)));
  Result r;
  ferry_host_v1 host{};
  host.struct_size = sizeof host;
  host.state = &r.logs;
  host.log = [](void* state, std::int32_t, const char* msg, std::uint64_t size) {
    static_cast<std::vector<std::string>*>(state)->emplace_back(msg, size);
  };
  ferry_call_v1 c{};
  c.struct_size = sizeof c;
  c.flags = FERRY_CALL_VALUE;
  c.input = reinterpret_cast<const std::uint8_t*>(input.data());
  c.input_size = input.size();
  c.output.state = &r.output;
  c.output.write = [](void* state, const std::uint8_t* data, std::uint64_t size) {
    static_cast<std::string*>(state)->append(reinterpret_cast<const char*>(data), size);
  };
  c.host = &host;
  c.task_name = task->name;
  r.status = task->invoke(task->state, &c);
  return r;
}

// Runs body in a forked child and returns its wait status. The child ends
// with _exit (0 if body returns, 99 if it throws) so it never runs on into
// the parent's remaining tests or flushes the parent's buffers twice.
inline int run_in_child(const std::function<void()>& body) {
  std::cout.flush();  // else the child inherits, and may print, the parent's pending output
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      _exit(99);
    }
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return status;
}

// What a child running body prints to stdout, and its wait status.
inline std::pair<std::string, int> child_stdout(const std::function<void()>& body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const int status = run_in_child([&] {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    body();
  });
  // The child has exited, so its writes are all in the pipe (small enough to fit).
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  return {out, status};
}

}  // namespace plugin_test
