#include "http_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace ferry::cli {
namespace {

// A client gets this long to send its request, and this many bytes for it:
// a silent or endless one cannot hold the (only) thread for long.
constexpr int kRequestTimeoutMs = 2000;
constexpr std::size_t kMaxRequest = 8192;

std::string system_error(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 400: return "Bad Request";
    case 503: return "Service Unavailable";
  }
  return "Error";
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

HttpListener::HttpListener(const std::string& host, int port, Handler handler) : handler_(std::move(handler)) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("'" + host + "' is not an IPv4 address");
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  const int one = 1;
  if (listen_fd_ < 0 || stop_fd_ < 0 || ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    const std::string why = system_error("cannot listen");
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (stop_fd_ >= 0) ::close(stop_fd_);
    throw std::runtime_error(why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HttpListener::~HttpListener() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(listen_fd_);
  ::close(stop_fd_);
}

void HttpListener::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    const int connection = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    answer(connection);
    ::close(connection);
  }
}

void HttpListener::answer(int connection) {
  // Reads up to the end of the request's headers, within the time limit;
  // stops early when the destructor asks.
  std::string request;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kRequestTimeoutMs);
  while (request.find("\r\n\r\n") == std::string::npos && request.find("\n\n") == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || request.size() >= kMaxRequest) return;
    pollfd fds[2] = {{connection, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left.count())) <= 0 || fds[1].revents) return;
    char buf[1024];
    const ssize_t n = ::recv(connection, buf, sizeof buf, 0);
    if (n <= 0) return;
    request.append(buf, static_cast<std::size_t>(n));
  }
  // "GET /path HTTP/1.1": the method, then the path up to a space or '?'.
  HttpResponse response;
  const auto first_space = request.find(' ');
  const auto second_space = first_space == std::string::npos ? first_space : request.find(' ', first_space + 1);
  if (second_space == std::string::npos) {
    response = {400, "text/plain; charset=utf-8", "bad request\n"};
  } else if (request.compare(0, first_space, "GET") != 0) {
    response = {405, "text/plain; charset=utf-8", "only GET\n"};
  } else {
    std::string path = request.substr(first_space + 1, second_space - first_space - 1);
    if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
    response = handler_(path);
  }
  write_all(connection, "HTTP/1.0 " + std::to_string(response.status) + " " + reason(response.status) +
                            "\r\nContent-Type: " + response.content_type +
                            "\r\nContent-Length: " + std::to_string(response.body.size()) +
                            "\r\nConnection: close\r\n\r\n" + response.body);
}

}  // namespace ferry::cli
