// Live progress of a pipeline run on a terminal: a line for the run
// (elapsed time, ETA) and one per stage, redrawn in place, cut to the
// terminal's width as it is at each redraw, with log lines printed above it.
#pragma once

#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ferry/pipeline.hpp>

namespace ferry::cli {

class ProgressDisplay {
 public:
  // out writes to the terminal whose descriptor is fd (for its width).
  ProgressDisplay(std::FILE* out, int fd) : out_(out), fd_(fd) {}

  // Redraws the table over the previous one. Thread-safe.
  void draw(const PipelineStats& stats);
  // Prints text (one or more lines) above the table, which stays below it.
  // Thread-safe.
  void print_above(std::string_view text);


 private:
  // The table's lines for stats at the given width (each shorter than
  // width); updates the rate history. mu_ held.
  std::vector<std::string> render(const PipelineStats& stats, std::size_t width);
  // Items passed on per second over the last kRateWindow (since the first
  // reading until that much has passed; the stage's lifetime average, over
  // `lifetime`, at the first reading).
  double recent_rate(const std::string& stage, std::chrono::nanoseconds at, std::uint64_t count,
                     std::chrono::nanoseconds lifetime);
  std::size_t width() const;
  // Moves the cursor to where the table starts and clears from there on.
  void clear_locked(std::string& frame, std::size_t width) const;
  void show_locked(std::string& frame) const;

  std::FILE* out_;
  int fd_;
  std::mutex mu_;
  std::vector<std::string> lines_;  // the table as last drawn; guarded by mu_
  // Per stage: (time into the run, items passed on), oldest first.
  std::map<std::string, std::deque<std::pair<std::chrono::nanoseconds, std::uint64_t>>> history_;
};

}  // namespace ferry::cli
