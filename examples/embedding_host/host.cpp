// A host embedding ferry: runs the shapes plugin (examples/standalone_plugin)
// through a Pool and a Process, as a Python program would with
// multiprocessing.
//   ferry-example-host PATH/TO/libmy.so
#include <chrono>
#include <cstdio>
#include <vector>

#include <ferry/ferry.hpp>

#include "../standalone_plugin/shapes.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PLUGIN\n", argv[0]);
    return 2;
  }
  ferry::Engine engine;
  ferry::Plugin shapes = engine.load(argv[1]);

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

  ferry::Process proc(shapes, "area", Rect{2, 2});
  proc.start();
  proc.join(std::chrono::seconds(5));
  std::printf("process exitcode %d result %g\n", proc.exitcode().value_or(-999), proc.result<double>());
  pool.close();
  pool.join();
}
