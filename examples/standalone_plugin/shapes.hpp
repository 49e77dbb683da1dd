// The type the shapes plugin and its hosts share. Its serialize function is
// all ferry needs to send it between processes, and its field names are the
// keys of its YAML/JSON form.
#pragma once

#include <cereal/cereal.hpp>

struct Rect {
  double width = 0;
  double height = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(width), CEREAL_NVP(height));
  }
  friend bool operator==(const Rect&, const Rect&) = default;
};
