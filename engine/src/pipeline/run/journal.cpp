#include "pipeline/run/journal.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <ferry/errors.hpp>

namespace ferry::pipeline {
namespace {

constexpr const char* kMagic = "ferry-journal 1 ";

// "0-4095,4100" -> ranges; false on anything malformed.
bool parse_ranges(const std::string& text, OriginSet& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    const auto dash = part.find('-');
    try {
      std::size_t used = 0;
      const std::uint64_t first = std::stoull(part.substr(0, dash), &used);
      if (used != (dash == std::string::npos ? part.size() : dash)) return false;
      std::uint64_t last = first;
      if (dash != std::string::npos) {
        last = std::stoull(part.substr(dash + 1), &used);
        if (used != part.size() - dash - 1 || last < first) return false;
      }
      out.add(first, last);
    } catch (const std::exception&) {
      return false;
    }
    pos = end + 1;
  }
  return true;
}

}  // namespace

void OriginSet::add(std::uint64_t first, std::uint64_t last) {
  // Commits mostly extend the last range, so look there first.
  if (!ranges_.empty() && first >= ranges_.back().first) {
    auto& back = ranges_.back();
    if (first <= back.second + 1) {
      back.second = std::max(back.second, last);
      return;
    }
    ranges_.emplace_back(first, last);
    return;
  }
  ranges_.emplace_back(first, last);
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().second + 1) merged.back().second = std::max(merged.back().second, r.second);
    else merged.push_back(r);
  }
  ranges_ = std::move(merged);
}

bool OriginSet::contains(std::uint64_t origin) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::make_pair(origin, UINT64_MAX));
  return it != ranges_.begin() && std::prev(it)->second >= origin;
}

std::uint64_t OriginSet::count() const {
  std::uint64_t n = 0;
  for (const auto& [a, b] : ranges_) n += b - a + 1;
  return n;
}

Journal::Journal(std::string path, std::string sink_path) : path_(std::move(path)) {
  const std::string header = kMagic + sink_path;
  std::ifstream in(path_, std::ios::binary);
  bool fresh = true;
  if (in) {
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fresh = content.empty();
    std::size_t pos = 0, line_no = 0;
    while (!fresh && pos < content.size()) {
      const auto nl = content.find('\n', pos);
      if (nl == std::string::npos) break;  // cut short by a crash: never committed
      const std::string line = content.substr(pos, nl - pos);
      pos = nl + 1;
      if (line_no++ == 0) {
        if (line != header)
          throw ConfigError("journal " + path_ + " is not a journal of this pipeline's sink: it begins '" +
                            line.substr(0, 200) + "', expected '" + header + "'");
        continue;
      }
      const auto space = line.find(' ');
      std::uint64_t length = 0;
      try {
        length = std::stoull(line.substr(0, space));
      } catch (const std::exception&) {
        throw ConfigError("journal " + path_ + ": line " + std::to_string(line_no) + " is malformed");
      }
      if (space == std::string::npos || !parse_ranges(line.substr(space + 1), done_))
        throw ConfigError("journal " + path_ + ": line " + std::to_string(line_no) + " is malformed");
      resume_offset_ = length;
    }
  }
  struct stat st {};
  const bool sink_exists = ::stat(sink_path.c_str(), &st) == 0;
  if (resume_offset_ > 0 && (!sink_exists || static_cast<std::uint64_t>(st.st_size) < resume_offset_))
    throw ConfigError("journal " + path_ + " records " + std::to_string(resume_offset_) + " bytes written to " +
                      sink_path + ", but that file is " + (sink_exists ? "shorter" : "missing"));
  file_ = std::fopen(path_.c_str(), fresh ? "w" : "a");
  if (!file_) throw ConfigError("cannot open journal " + path_ + ": " + std::strerror(errno));
  if (fresh && (std::fputs((header + "\n").c_str(), file_) < 0 || std::fflush(file_) != 0))
    throw Error("cannot write journal " + path_ + ": " + std::strerror(errno));
}

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

void Journal::commit(std::uint64_t length, std::vector<std::uint64_t>& origins) {
  std::sort(origins.begin(), origins.end());
  std::string line = std::to_string(length) + " ";
  for (std::size_t i = 0; i < origins.size();) {
    std::size_t j = i;
    while (j + 1 < origins.size() && origins[j + 1] <= origins[j] + 1) ++j;
    if (i) line += ',';
    line += std::to_string(origins[i]);
    if (origins[j] != origins[i]) {
      line += '-';
      line += std::to_string(origins[j]);
    }
    i = j + 1;
  }
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw Error("cannot write journal " + path_ + ": " + std::strerror(errno));
  resume_offset_ = length;
}

}  // namespace ferry::pipeline
