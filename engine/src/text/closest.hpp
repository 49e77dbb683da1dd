// "Did you mean ...?": the known word closest to a mistyped one, for the
// messages of pipeline files, plugins' task names and the command line.
// Header-only so the ferry tool, which links only libferry's public API,
// shares it.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::text {

// Optimal string alignment distance: edits, counting a swap of two
// neighbours as one (the commonest typo: "wokrers").
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// The choice within one edit of word (two for words longer than four
// letters: two edits turn "map" into almost anything), if any.
inline std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& choices) {
  const std::size_t limit = word.size() <= 4 ? 1 : 2;
  const std::string* best = nullptr;
  std::size_t best_distance = limit + 1;
  for (const auto& c : choices) {
    const auto dist = edit_distance(word, c);
    if (dist < best_distance && dist < c.size()) best = &c, best_distance = dist;
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace ferry::text
