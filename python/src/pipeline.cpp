// Pipelines: a run on a helper thread whose stdout sink lines are handed to
// Python one at a time, and validation that returns the problems.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <ostream>
#include <thread>

#include <pybind11/stl.h>

#include <ferry/pipeline.hpp>

#include "bindings.hpp"
#include "waiting.hpp"

namespace ferry::python {
namespace {

// A streambuf that cuts what is written into lines for a reader thread.
class LineQueue : public std::streambuf {
 public:
  // The next line, or nullopt when none came before deadline; done is set
  // once the writer finished and every line was taken.
  std::optional<std::string> take(Clock::time_point deadline, bool& done) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return !lines_.empty() || finished_; });
    if (lines_.empty()) {
      done = finished_;
      return std::nullopt;
    }
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    return line;
  }
  void finish() {
    std::lock_guard lock(mu_);
    if (!partial_.empty()) lines_.push_back(std::move(partial_));
    finished_ = true;
    cv_.notify_all();
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) put(static_cast<char>(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) put(s[i]);
    return n;
  }

 private:
  void put(char c) {
    std::lock_guard lock(mu_);
    if (c != '\n') {
      partial_.push_back(c);
      return;
    }
    lines_.push_back(std::move(partial_));
    partial_.clear();
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> lines_;  // guarded by mu_
  std::string partial_;            // guarded by mu_
  bool finished_ = false;          // guarded by mu_
};

class PipelineRun {
 public:
  PipelineRun(const EnginePtr& engine, const std::string& path, const std::vector<std::string>& overrides,
              std::string broker)
      : engine_(engine), pipeline_(Pipeline::load(*engine, path, overrides)) {
    options_.broker = std::move(broker);
    thread_ = std::thread([this] {
      std::ostream out(&lines_);
      options_.out = &out;
      try {
        stats_ = pipeline_.run(options_);
      } catch (const std::exception& e) {
        stats_.ok = false;
        stats_.error = e.what();
      }
      out.flush();
      lines_.finish();
    });
  }
  ~PipelineRun() {
    if (thread_.joinable()) {
      pipeline_.stop(StopMode::now);
      thread_.join();
    }
  }

  // The next output line; None at the end.
  std::optional<std::string> next() {
    std::optional<std::string> line;
    bool done = false;
    wait_sliced([&](Clock::time_point slice) { return (line = lines_.take(slice, done)) || done; }, std::nullopt);
    if (!line) {
      py::gil_scoped_release release;
      thread_.join();
    }
    return line;
  }
  // Stops the run at once (a generator closed early, Ctrl-C).
  void stop() {
    py::gil_scoped_release release;
    if (thread_.joinable()) {
      pipeline_.stop(StopMode::now);
      thread_.join();
    }
  }
  bool ok() const { return stats_.ok; }
  std::string error() const { return stats_.error; }

 private:
  EnginePtr engine_;
  Pipeline pipeline_;
  PipelineRunOptions options_;
  LineQueue lines_;
  PipelineStats stats_;  // written by thread_, read after it is joined
  std::thread thread_;
};

std::vector<std::pair<std::string, std::string>> validate(const EnginePtr& engine, const std::string& path,
                                                          const std::vector<std::string>& overrides) {
  py::gil_scoped_release release;
  try {
    Pipeline::load(*engine, path, overrides);
  } catch (const PipelineInvalid& e) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& p : e.problems()) out.emplace_back(p.where, p.message);
    return out;
  } catch (const ConfigError& e) {
    return {{path, e.what()}};
  }
  return {};
}

}  // namespace

void bind_pipeline(py::module_& m) {
  py::class_<PipelineRun>(m, "PipelineRun")
      .def(py::init<const EnginePtr&, const std::string&, const std::vector<std::string>&, std::string>(),
           py::arg("engine"), py::arg("path"), py::arg("overrides"), py::arg("broker"),
           py::call_guard<py::gil_scoped_release>())
      .def("next", &PipelineRun::next)
      .def("stop", &PipelineRun::stop)
      .def_property_readonly("ok", &PipelineRun::ok)
      .def_property_readonly("error", &PipelineRun::error);
  m.def("validate", &validate, py::arg("engine"), py::arg("path"), py::arg("overrides"));
}

}  // namespace ferry::python
