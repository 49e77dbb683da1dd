#include "pipeline/connectors/sources/text_lines.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <streambuf>

#include <ferry/errors.hpp>

namespace ferry::pipeline {
namespace {

// The process's standard input as a stream of its own: buffered reads of
// fd 0 (much faster than std::cin tied to C stdio) that wait with poll()
// and give up when the run stops, so Ctrl-C is not held up by a terminal
// or a pipe with nothing to say. Reading ends at end of input, a read
// error (error() tells) or when stopping() turns true.
class StdinBuf final : public std::streambuf {
 public:
  explicit StdinBuf(ItemEmitter& run) : run_(run) {}
  int error() const { return error_; }

 private:
  int_type underflow() override {
    for (int wait_ms = 0; !run_.stopping(); wait_ms = 100) {  // a tenth of a second: how long a stop may wait
      pollfd p{0, POLLIN, 0};
      const int ready = ::poll(&p, 1, wait_ms);
      if (ready == 0 && wait_ms == 0) run_.idle();  // nothing to read now: pass on what was read
      if (ready < 0 && errno != EINTR) return fail();
      if (ready <= 0) continue;
      const ssize_t n = ::read(0, buffer_, sizeof buffer_);
      if (n < 0 && errno != EINTR && errno != EAGAIN) return fail();
      if (n == 0) return traits_type::eof();
      if (n > 0) {
        setg(buffer_, buffer_, buffer_ + n);
        return traits_type::to_int_type(buffer_[0]);
      }
    }
    return traits_type::eof();
  }
  int_type fail() {
    error_ = errno;
    return traits_type::eof();
  }

  ItemEmitter& run_;
  int error_ = 0;
  char buffer_[1 << 16];
};

}  // namespace

std::string TextLinesSource::not_resumable() const {
  return from_stdin() ? "it reads standard input, which a restart cannot read again" : "";
}

void TextLinesSource::read(ItemEmitter& out, const SourceIo& io) const {
  std::ifstream file;
  std::unique_ptr<StdinBuf> stdin_buf;
  std::optional<std::istream> stdin_stream;
  std::istream* in = io.in;
  const std::string where = from_stdin() ? "stdin" : path_;
  if (!from_stdin()) {
    file.open(path_, std::ios::binary);
    if (!file) throw Error("cannot open " + path_);
    in = &file;
  } else if (!in) {
    stdin_buf = std::make_unique<StdinBuf>(out);
    in = &stdin_stream.emplace(stdin_buf.get());
  }
  std::string text;
  for (std::uint64_t number = 1; std::getline(*in, text); ++number) {
    if (!text.empty() && text.back() == '\r') text.pop_back();  // CRLF files
    if (!line(out, text, number, where)) return;
  }
  if (in->bad() || (stdin_buf && stdin_buf->error()))
    throw Error("cannot read " + where + (stdin_buf && stdin_buf->error() ? ": " + std::string(std::strerror(stdin_buf->error())) : ""));
}

}  // namespace ferry::pipeline
