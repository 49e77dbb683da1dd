// A ferry plugin written outside the ferry source tree, the way the SDK's
// documentation shows: one file, the SDK headers, no CMake.
//
//   g++ -std=c++20 -shared -fPIC -I <ferry>/sdk/include my_plugin.cpp -o libmy.so
//   ferry inspect ./libmy.so
//   ferry call ./libmy.so area '{width: 3, height: 4}'
//   ferry call ./libmy.so scale '{width: 1, height: 2}' 2.5
#include <stdexcept>

#include <ferry/plugin.hpp>

#include "shapes.hpp"

double area(Rect r) { return r.width * r.height; }

Rect scale(Rect r, double factor) {
  // Thrown exceptions reach the caller as ferry::TaskError with this message.
  if (factor <= 0) throw std::invalid_argument("scale: factor must be positive");
  return Rect{r.width * factor, r.height * factor};
}

FERRY_PLUGIN(shapes, "0.2") {
  plugin.task("area", area, "width * height of a rectangle")
      .task("scale", scale, "the rectangle with both sides multiplied by factor");
}
