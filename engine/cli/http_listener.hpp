// A minimal HTTP/1.0 server for the metrics endpoint: one thread, GET
// only, one request per connection, each bounded in size and time. Written
// here rather than taken from civetweb (under prometheus-cpp's exposer),
// whose stop sleeps in 10 ms steps: on a short run that was the whole of
// --metrics' cost. Starts and stops in well under a millisecond.
#pragma once

#include <functional>
#include <string>
#include <thread>

namespace ferry::cli {

// What a handler answers.
struct HttpResponse {
  int status = 200;  // 200, 404, 503, ...
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpListener {
 public:
  // Answers GET path with handler(path), from the listener's thread.
  using Handler = std::function<HttpResponse(const std::string& path)>;

  // Listens on host (an IPv4 address) and port (0: a free one). Throws
  // std::runtime_error saying why when it cannot.
  HttpListener(const std::string& host, int port, Handler handler);
  ~HttpListener();  // stops: no request is answered after it returns
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const { return port_; }

 private:
  void serve();
  void answer(int connection);

  Handler handler_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd, readable once the destructor runs
  int port_ = 0;
  std::thread thread_;
};

}  // namespace ferry::cli
