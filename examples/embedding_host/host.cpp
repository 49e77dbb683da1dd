// A host embedding ferry: runs the shapes plugin (examples/standalone_plugin)
// through a Pool, a Process and a YAML pipeline, as a Python program would
// with multiprocessing.
//   shapes_host PATH/TO/libshapes.so [PIPELINE.yaml]
// PIPELINE defaults to areas.yaml next to this executable.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <ferry/ferry.hpp>
#include <ferry/version.hpp>

#include "shapes.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s PLUGIN [PIPELINE]\n", argv[0]);
    return 2;
  }
  const fs::path plugin_file = fs::absolute(argv[1]);
  const fs::path pipeline_file =
      argc == 3 ? fs::path(argv[2]) : fs::read_symlink("/proc/self/exe").parent_path() / "areas.yaml";
  std::printf("ferry %s, plugin ABI version %u\n", FERRY_VERSION_STRING, ferry::kPluginAbiVersion);

  // The plugin's folder goes on the plugin path, so the pipeline can name it.
  ferry::Engine engine({.plugin_path = {plugin_file.parent_path().string()}});
  ferry::Plugin shapes = engine.load(plugin_file.string());

  ferry::Pool pool(shapes, {.workers = 2});
  const std::vector<Rect> rects = {{1, 2}, {3, 4}, {5, 6}};
  for (double a : pool.map<double>("area", rects)) std::printf("area %g\n", a);

  auto big = pool.apply_async<Rect>("scale", Rect{1, 2}, 10.0);
  const Rect r = big.get(std::chrono::seconds(5));
  std::printf("scaled %g x %g\n", r.width, r.height);

  try {
    pool.apply<Rect>("scale", Rect{1, 2}, -1.0);
  } catch (const ferry::TaskError& e) {
    std::printf("error %s\n", e.message().c_str());
  }
  pool.close();
  pool.join();

  ferry::Process proc(shapes, "area", Rect{2, 2});
  proc.start();
  proc.join(std::chrono::seconds(5));
  std::printf("process exitcode %d result %g\n", proc.exitcode().value_or(-999), proc.result<double>());

  // The same task over a YAML pipeline; its stdout sink writes into `out`.
  ferry::Pipeline pipeline = ferry::Pipeline::load(engine, pipeline_file.string());
  std::ostringstream out;
  const ferry::PipelineStats stats = pipeline.run({.out = &out});
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) std::printf("pipeline %s\n", line.c_str());
  std::printf("pipeline %s %s\n", stats.pipeline.c_str(), stats.ok ? "ok" : stats.error.c_str());
  return stats.ok ? 0 : 1;
}
