#include "pipeline/connectors/sources/text_lines.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ext/stdio_filebuf.h>
#include <fstream>

#include <ferry/errors.hpp>

namespace ferry::pipeline {
namespace {

// The process's standard input as a stream of its own: a buffered read of
// a duplicate of fd 0, much faster than std::cin tied to C stdio, and
// closing it leaves fd 0 open.
class StdinStream {
 public:
  StdinStream() : fd_(::dup(0)), buf_(fd_ < 0 ? -1 : fd_, std::ios::in, 1 << 16), stream_(&buf_) {
    if (fd_ < 0) throw Error(std::string("cannot read stdin: ") + std::strerror(errno));
  }
  std::istream& stream() { return stream_; }

 private:
  int fd_;
  __gnu_cxx::stdio_filebuf<char> buf_;  // closes fd_
  std::istream stream_;
};

}  // namespace

std::string TextLinesSource::not_resumable() const {
  return from_stdin() ? "it reads standard input, which a restart cannot read again" : "";
}

void TextLinesSource::read(ItemEmitter& out, const SourceIo& io) const {
  std::ifstream file;
  std::optional<StdinStream> stdin_stream;
  std::istream* in = io.in;
  const std::string where = from_stdin() ? "stdin" : path_;
  if (!from_stdin()) {
    file.open(path_, std::ios::binary);
    if (!file) throw Error("cannot open " + path_);
    in = &file;
  } else if (!in) {
    in = &stdin_stream.emplace().stream();
  }
  std::string text;
  for (std::uint64_t number = 1; std::getline(*in, text); ++number) {
    if (!text.empty() && text.back() == '\r') text.pop_back();  // CRLF files
    if (!line(out, text, number, where)) return;
  }
  if (in->bad()) throw Error("cannot read " + where);
}

}  // namespace ferry::pipeline
