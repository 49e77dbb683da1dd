// A redis-server of a test's own: a free loopback port, a temporary folder,
// appendonly as docs/distributed.md advises; stopped by PID. A missing
// redis-server fails the test: it is never skipped.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ferry::test {

class RedisServer {
 public:
  RedisServer() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ferry-redis-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    for (int attempt = 0; attempt < 20 && pid_ <= 0; ++attempt) {
      port_ = free_port();
      start();
      if (!ready()) stop();
    }
    if (pid_ <= 0) throw std::runtime_error("cannot start redis-server (is it installed? apt-get install redis-server)");
  }
  ~RedisServer() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }
  void start() {
    std::vector<std::string> args{"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                  "--dir", dir_.string(), "--appendonly", "yes", "--save", "", "--logfile",
                                  (dir_ / "log").string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  // PING answered within 10 s.
  bool ready() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return false;
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(port_));
      char reply[16] = {};
      const bool pong = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                        ::write(fd, "PING\r\n", 6) == 6 && ::read(fd, reply, sizeof reply - 1) > 0 &&
                        std::string(reply).starts_with("+PONG");
      ::close(fd);
      if (pong) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ferry::test
