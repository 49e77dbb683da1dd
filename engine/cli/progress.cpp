#include "progress.hpp"

#include <algorithm>
#include <string>

namespace ferry::cli {

void ProgressDisplay::draw(const PipelineStats& stats) {
  std::size_t width = 5;
  for (const auto& s : stats.stages) width = std::max(width, s.name.size());
  std::string frame;
  if (lines_drawn_) frame += "\x1b[" + std::to_string(lines_drawn_) + "A";  // back to the table's first line
  for (const auto& s : stats.stages) {
    const double seconds = std::chrono::duration<double>(s.wall).count();
    const double rate = seconds > 0 ? static_cast<double>(s.items_out) / seconds : 0.0;
    char line[256];
    std::snprintf(line, sizeof line, "\x1b[2K%-*s %-8s %12llu done %10.0f/s %8llu failed%s\n",
                  static_cast<int>(width), s.name.c_str(), s.kind.c_str(),
                  static_cast<unsigned long long>(s.items_out), rate, static_cast<unsigned long long>(s.failed),
                  s.finished ? "  finished" : "");
    frame += line;
  }
  std::fputs(frame.c_str(), out_);
  std::fflush(out_);
  lines_drawn_ = stats.stages.size();
}

}  // namespace ferry::cli
