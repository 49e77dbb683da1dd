// Live progress of a pipeline run on a terminal: one line per stage, redrawn
// in place.
#pragma once

#include <cstdio>

#include <ferry/pipeline.hpp>

namespace ferry::cli {

class ProgressDisplay {
 public:
  explicit ProgressDisplay(std::FILE* out) : out_(out) {}
  // Redraws the table over the previous one.
  void draw(const PipelineStats& stats);

 private:
  std::FILE* out_;
  std::size_t lines_drawn_ = 0;
};

}  // namespace ferry::cli
