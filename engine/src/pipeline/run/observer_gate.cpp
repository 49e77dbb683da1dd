#include "pipeline/run/observer_gate.hpp"

#include "pipeline/run/run_control.hpp"

namespace ferry::pipeline {

std::string ObserverGate::describe(const char* hook, const std::exception_ptr& e) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {
  }
  return std::string("observer: ") + hook + ": " + what;
}

void ObserverGate::stop_run(const std::string& error) { control_.fail(error); }

std::string ObserverGate::run_finished(const PipelineStats& stats) {
  if (!observer_) return "";
  auto hook = [&](PipelineObserver& o) { o.run_finished(stats); };
  return guarded("run_finished", hook);
}

}  // namespace ferry::pipeline
