// sink: {file: PATH} (and errors: {file: PATH}): JSON lines into a file,
// created or truncated when the run starts; after a journal's restart, cut
// back to what the journal recorded and appended to.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <ferry/errors.hpp>

#include "pipeline/connectors/sinks/json_lines_writer.hpp"
#include "pipeline/spec/yaml_reading.hpp"

namespace ferry::pipeline {
namespace {

class FileWriter final : public JsonLinesWriter {
 public:
  FileWriter(std::unique_ptr<std::ofstream> file, const std::string& path, std::uint64_t length)
      : JsonLinesWriter(*file, path, length), file_(std::move(file)) {}
  // close() writes nothing more after the flush, but on a network file
  // system it is where a failed write is reported.
  void close() override {
    flush();
    errno = 0;
    file_->close();
    if (file_->fail()) cannot_write();
  }

 private:
  std::unique_ptr<std::ofstream> file_;
};

class FileSink final : public SinkConfig {
 public:
  FileSink(const SinkKind& kind, std::string path) : SinkConfig(kind), path_(std::move(path)) {}
  std::unique_ptr<SinkWriter> open(const SinkIo& io) const override {
    auto file = std::make_unique<std::ofstream>();
    if (io.resume_at) {
      if (::truncate(path_.c_str(), static_cast<off_t>(*io.resume_at)) != 0 && errno != ENOENT) cannot_open();
      file->open(path_, std::ios::binary | std::ios::app);
    } else {
      file->open(path_, std::ios::binary | std::ios::trunc);
    }
    if (!*file) cannot_open();
    return std::make_unique<FileWriter>(std::move(file), path_, io.resume_at.value_or(0));
  }
  std::string output_path() const override { return path_; }
  std::string target() const override { return path_; }

 private:
  [[noreturn]] void cannot_open() const { throw Error("cannot open " + path_ + ": " + std::strerror(errno)); }
  std::string path_;  // resolved
};

std::unique_ptr<SinkConfig> parse_file_sink(const SinkKind& kind, const ConnectorParse& p) {
  const auto text = detail::text_of(p.value);
  if (!text) {
    p.cx.problem(p.value, "sink file must be a path, got " + detail::describe(p.value));
    return nullptr;
  }
  return std::make_unique<FileSink>(kind, detail::writable_file(p.cx, p.value, *text, "sink"));
}

}  // namespace

SinkKind file_sink() { return {"file", "{file: PATH}", false, true, true, parse_file_sink}; }

}  // namespace ferry::pipeline
