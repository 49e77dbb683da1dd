#include "progress.hpp"

#include <sys/ioctl.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace ferry::cli {
namespace {

constexpr std::chrono::seconds kRateWindow{5};

std::string count_text(std::uint64_t n) {
  char buf[32];
  if (n < 10'000'000) std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  else std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(n) / 1e6);
  return buf;
}

std::string rate_text(double r) {
  char buf[32];
  if (r < 1000) std::snprintf(buf, sizeof buf, "%.0f/s", r);
  else if (r < 1e6) std::snprintf(buf, sizeof buf, "%.1fk/s", r / 1e3);
  else std::snprintf(buf, sizeof buf, "%.2fM/s", r / 1e6);
  return buf;
}

std::string duration_text(double seconds) {
  const auto s = static_cast<long long>(seconds);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

std::string fit(std::string s, std::size_t width) {
  if (s.size() >= width) s.resize(width ? width - 1 : 0);
  return s;
}

// A column of the stage table: its cells, and how soon it goes when the
// terminal is narrow (lower goes later).
struct Column {
  std::vector<std::string> cells;
  int drop_order;
  bool left = false;
  std::size_t width() const {
    std::size_t w = 0;
    for (const auto& c : cells) w = std::max(w, c.size());
    return w;
  }
};

// Items done by the whole run, and how many it will do in all, when every
// item of a source of known size becomes one item at the end (no flat_map,
// batch, apply or generator between).
std::optional<std::pair<std::uint64_t, std::uint64_t>> run_progress(const PipelineStats& stats) {
  if (stats.stages.size() < 2 || !stats.stages.front().total) return std::nullopt;
  std::uint64_t dropped = 0;
  for (std::size_t i = 1; i < stats.stages.size(); ++i) {
    const auto& k = stats.stages[i].kind;
    if (k != "map" && k != "starmap" && k != "sink") return std::nullopt;
    dropped += stats.stages[i].skipped;
  }
  const auto& last = stats.stages.back();
  return std::pair{std::min(*stats.stages.front().total, last.items_out + dropped), *stats.stages.front().total};
}

}  // namespace

double ProgressDisplay::recent_rate(const std::string& stage, std::chrono::nanoseconds at, std::uint64_t count,
                                    std::chrono::nanoseconds lifetime) {
  auto& h = history_[stage];
  h.emplace_back(at, count);
  while (h.size() > 2 && at - h[1].first >= kRateWindow) h.pop_front();
  const double dt = std::chrono::duration<double>(h.back().first - h.front().first).count();
  if (h.size() >= 2 && dt > 0) return static_cast<double>(h.back().second - h.front().second) / dt;
  // One reading so far: the average since the stage began.
  const double life = std::chrono::duration<double>(lifetime).count();
  return life > 0 ? static_cast<double>(count) / life : 0;
}

std::vector<std::string> ProgressDisplay::render(const PipelineStats& stats, std::size_t width) {
  std::vector<std::string> out;
  const double elapsed = std::chrono::duration<double>(stats.wall).count();
  std::string head = stats.pipeline + "  " + duration_text(elapsed) + " elapsed";
  double last_rate = 0;

  Column name{{}, 0, true}, kind{{}, 6, true}, done{{}, 1}, failed{{}, 3}, in_flight{{}, 4}, queued{{}, 5},
      rate{{}, 2}, state{{}, 7, true};
  for (const auto& s : stats.stages) {
    const bool source = s.kind == "source";
    const auto count = source || s.kind == "sink" ? (source ? s.items_out : s.items_in) : s.items_out;
    last_rate = recent_rate(s.name, stats.wall, count, s.wall);
    if (s.finished) {  // its average: the recent rate of a finished stage is 0
      const double life = std::chrono::duration<double>(s.wall).count();
      last_rate = life > 0 ? static_cast<double>(count) / life : 0;
    }
    name.cells.push_back(s.name);
    kind.cells.push_back(s.kind);
    // Appended piece by piece: GCC 12 warns (-Wrestrict, wrongly) on "/" + a temporary.
    std::string d = count_text(count);
    if (s.total) d.append("/").append(count_text(*s.total));
    d.append(" done");
    done.cells.push_back(std::move(d));
    failed.cells.push_back(count_text(s.failed) + " failed");
    in_flight.cells.push_back(s.workers ? count_text(s.in_flight) + " in flight" : "");
    queued.cells.push_back(source ? "" : count_text(s.queued) + " queued");
    rate.cells.push_back(rate_text(last_rate));
    state.cells.push_back(s.finished ? "finished" : "");
  }
  if (const auto p = run_progress(stats); p && last_rate > 0 && p->first < p->second)
    head += "  ETA " + duration_text(static_cast<double>(p->second - p->first) / last_rate);
  out.push_back(fit(head, width));

  // The columns that fit, dropped in drop_order from the last; shown in
  // table order, two spaces apart.
  std::vector<Column*> table = {&name, &kind, &done, &failed, &in_flight, &queued, &rate, &state};
  std::vector<Column*> shown = table;
  const auto total_width = [&] {
    std::size_t w = 0;
    for (auto* c : shown) w += c->width() + 2;
    return w;
  };
  while (shown.size() > 1 && total_width() >= width) {
    auto last = std::max_element(shown.begin(), shown.end(),
                                 [](const Column* a, const Column* b) { return a->drop_order < b->drop_order; });
    shown.erase(last);
  }
  for (std::size_t row = 0; row < stats.stages.size(); ++row) {
    std::string line;
    for (auto* c : shown) {
      const auto& cell = c->cells[row];
      const std::size_t pad = c->width() - cell.size();
      if (!line.empty()) line += "  ";
      line += c->left ? cell + std::string(pad, ' ') : std::string(pad, ' ') + cell;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.push_back(fit(std::move(line), width));
  }
  return out;
}

std::size_t ProgressDisplay::width() const {
  winsize ws{};
  if (::ioctl(fd_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

void ProgressDisplay::clear_locked(std::string& frame, std::size_t width) const {
  // A line drawn on a wider terminal may have wrapped since: count the rows
  // it takes at today's width.
  std::size_t rows = 0;
  for (const auto& l : lines_) rows += l.empty() ? 1 : (l.size() + width - 1) / width;
  if (rows) frame += "\x1b[" + std::to_string(rows) + "A";
  frame += "\r\x1b[J";
}

void ProgressDisplay::show_locked(std::string& frame) const {
  for (const auto& l : lines_) frame += l + "\n";
}

void ProgressDisplay::draw(const PipelineStats& stats) {
  const std::size_t w = width();
  std::lock_guard lock(mu_);
  std::string frame;
  clear_locked(frame, w);
  lines_ = render(stats, w);
  show_locked(frame);
  std::fputs(frame.c_str(), out_);
  std::fflush(out_);
}

void ProgressDisplay::print_above(std::string_view text) {
  const std::size_t w = width();
  std::lock_guard lock(mu_);
  std::string frame;
  clear_locked(frame, w);
  frame += text;
  if (frame.empty() || frame.back() != '\n') frame += '\n';
  show_locked(frame);
  std::fputs(frame.c_str(), out_);
  std::fflush(out_);
}

}  // namespace ferry::cli
