#include "trace_writer.hpp"

#include <unistd.h>

#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace ferry::cli {
namespace {

using OrderedJson = nlohmann::ordered_json;

std::string dump(const OrderedJson& j) { return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace); }

void append_decimal(std::string& out, std::int64_t n) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
}

// A duration as microseconds with three decimals, the unit the trace format
// reads ("ts" and "dur"), exactly, from whole nanoseconds.
void append_micros(std::string& out, std::chrono::nanoseconds d) {
  std::int64_t ns = d.count();
  if (ns < 0) {  // a slice started before the run's clock (cannot, but stay valid)
    out += '-';
    ns = -ns;
  }
  append_decimal(out, ns / 1000);
  char frac[4] = {'.', char('0' + ns / 100 % 10), char('0' + ns / 10 % 10), char('0' + ns % 10)};
  out.append(frac, 4);
}

}  // namespace

TraceWriter::TraceWriter(std::string path) : path_(std::move(path)), host_pid_(::getpid()) {}

TraceWriter::~TraceWriter() {
  std::string why;
  close(why);
}

double TraceWriter::micros(std::chrono::steady_clock::time_point t) const {
  return std::chrono::duration<double, std::micro>(t - start_).count();
}

void TraceWriter::event(const std::string& json) {
  if (!file_) return;
  if (!first_) std::fputs(",\n", file_);
  first_ = false;
  if (std::fputs(json.c_str(), file_) < 0) failed_ = true;
}

void TraceWriter::run_started(const std::string& pipeline, const std::vector<std::string>&) {
  std::lock_guard lock(file_mu_);
  start_ = std::chrono::steady_clock::now();
  file_ = std::fopen(path_.c_str(), "w");
  // The run stops, saying why (observer: run_started: ...).
  if (!file_) throw std::runtime_error("cannot write --trace file " + path_ + ": " + std::strerror(errno));
  std::fputs("[\n", file_);
  event(dump({{"name", "process_name"}, {"ph", "M"}, {"pid", host_pid_}, {"tid", host_pid_},
              {"args", {{"name", "ferry run " + pipeline}}}}));
  event(dump({{"name", "process_sort_index"}, {"ph", "M"}, {"pid", host_pid_}, {"tid", host_pid_},
              {"args", {{"sort_index", -1}}}}));
}

void TraceWriter::worker_started(const std::string& stage, pid_t pid) {
  std::lock_guard lock(file_mu_);
  const double ts = micros(std::chrono::steady_clock::now());
  if (named_.insert(pid).second) {
    event(dump({{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"tid", pid},
                {"args", {{"name", "worker " + std::to_string(pid) + " (" + stage + ")"}}}}));
    event(dump({{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", pid}, {"args", {{"name", stage}}}}));
  }
  event(dump({{"name", "worker started"}, {"cat", "worker"}, {"ph", "i"}, {"s", "p"}, {"ts", ts}, {"pid", pid},
              {"tid", pid}, {"args", {{"stage", stage}}}}));
}

void TraceWriter::chunk_finished(const std::string& stage, const ChunkRun& run) {
  std::lock_guard lock(slices_mu_);
  slices_.push_back({stage, run});
}

const std::string& TraceWriter::decimal(pid_t pid) {
  auto it = decimals_.find(pid);
  if (it == decimals_.end()) it = decimals_.emplace(pid, std::to_string(pid)).first;
  return it->second;
}

const std::string& TraceWriter::quoted(const std::string& text) {
  auto it = quoted_.find(text);
  if (it == quoted_.end()) it = quoted_.emplace(text, dump(OrderedJson(text))).first;
  return it->second;
}

void TraceWriter::write_slices() {
  std::vector<Slice> slices;
  {
    std::lock_guard lock(slices_mu_);
    slices.swap(slices_);
  }
  // The most frequent event by far, written without a JSON tree and without
  // printf's floating point (timestamps are whole nanoseconds, printed as
  // microseconds with three decimals): on a CPU the pipeline wants.
  std::string line;
  for (const auto& [stage, run] : slices) {
    const std::uint64_t last = run.items ? run.first_item + run.items - 1 : run.first_item;
    const std::string& name = quoted(stage);
    const std::string& pid = decimal(run.pid);
    line.assign(R"({"name":)").append(name).append(R"(,"cat":"chunk","ph":"X","ts":)");
    append_micros(line, run.started - start_);
    line.append(R"(,"dur":)");
    append_micros(line, run.duration);
    line.append(R"(,"pid":)").append(pid).append(R"(,"tid":)").append(pid);
    line.append(R"(,"args":{"stage":)").append(name).append(R"(,"task":)").append(quoted(run.task));
    line.append(R"(,"first_item":)");
    append_decimal(line, run.first_item);
    line.append(R"(,"last_item":)");
    append_decimal(line, last);
    line.append(R"(,"items":)");
    append_decimal(line, run.items);
    event(line.append("}}"));
  }
}

void TraceWriter::worker_replaced(const std::string& stage, pid_t pid, WorkerLoss cause, const std::string& detail) {
  std::lock_guard lock(file_mu_);
  event(dump({{"name", std::string("worker lost: ") + to_string(cause)},
              {"cat", "worker"},
              {"ph", "i"},
              {"s", "p"},
              {"ts", micros(std::chrono::steady_clock::now())},
              {"pid", pid},
              {"tid", pid},
              {"args", {{"stage", stage}, {"cause", to_string(cause)}, {"detail", detail}}}}));
}

void TraceWriter::sample(const PipelineStats& stats) {
  std::lock_guard lock(file_mu_);
  write_slices();
  const double ts = micros(std::chrono::steady_clock::now());
  for (const auto& s : stats.stages) {
    if (s.kind == "source") continue;  // nothing queues in front of a source
    event(dump({{"name", "queue " + s.name}, {"cat", "queue"}, {"ph", "C"}, {"ts", ts}, {"pid", host_pid_},
                {"tid", host_pid_}, {"args", {{"depth", s.queued}}}}));
  }
}

void TraceWriter::run_finished(const PipelineStats& stats) { sample(stats); }

bool TraceWriter::close(std::string& why) {
  std::lock_guard lock(file_mu_);
  if (!file_) return !failed_;
  write_slices();
  std::fputs("\n]\n", file_);
  if (std::fflush(file_) != 0 || std::ferror(file_)) failed_ = true;
  const int saved = errno;
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  if (failed_) why = "cannot write --trace file " + path_ + ": " + std::strerror(saved ? saved : EIO);
  return !failed_;
}

}  // namespace ferry::cli
