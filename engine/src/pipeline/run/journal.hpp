// Durable progress for `ferry run --journal PATH`: which source items are
// fully written to the file sink, and how long the file was at that point.
// A run stopped by a crash or a signal and started again with the same
// journal cuts the file back to that length and skips those items, so the
// file ends up as an uninterrupted run would have written it.
//
// Format: a header line "ferry-journal 1 <sink path>", then one line per
// commit: "<file length> <origins>", origins as comma-separated ranges
// ("0-4095,4100"). A line cut short by a crash has no newline and is
// ignored. Lines are handed to the OS at once, so a killed process loses
// nothing; a power cut may (no fsync per commit).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace ferry::pipeline {

// A set of source positions as sorted, disjoint, inclusive ranges.
class OriginSet {
 public:
  void add(std::uint64_t first, std::uint64_t last);
  bool contains(std::uint64_t origin) const;
  std::uint64_t count() const;
  bool empty() const { return ranges_.empty(); }

 private:
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges_;
};

class Journal {
 public:
  // Opens path, reading what an earlier run recorded; creates it when
  // missing. Throws ferry::ConfigError when the file is not a journal or
  // belongs to another sink, or when sink_path is shorter than recorded.
  Journal(std::string path, std::string sink_path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Source positions already written by earlier runs.
  const OriginSet& done() const { return done_; }
  // The sink file's length after the last commit: where writing resumes.
  std::uint64_t resume_offset() const { return resume_offset_; }

  // Records that the sink file now holds length bytes and that origins
  // (sorted or not) are fully written. Throws ferry::Error on a write error.
  void commit(std::uint64_t length, std::vector<std::uint64_t>& origins);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  OriginSet done_;
  std::uint64_t resume_offset_ = 0;
};

}  // namespace ferry::pipeline
