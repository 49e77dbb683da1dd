// A ferry plugin written outside the ferry source tree: tasks taking and
// returning a user struct (Rect, shapes.hpp). Build it with CMake against an
// installed ferry (CMakeLists.txt here, find_package + ferry_add_plugin), or
// with one g++ line and the SDK headers:
//
//   g++ -std=c++20 -shared -fPIC -I <ferry>/sdk/include my_plugin.cpp -o libshapes.so
//   ferry inspect ./libshapes.so
//   ferry call ./libshapes.so area '{width: 3, height: 4}'
//   ferry call ./libshapes.so scale '{width: 1, height: 2}' 2.5
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
