// ferry::TaskInfo: one task of a loaded plugin, as its worker describes it.
#pragma once

#include <string>

namespace ferry {

// Name, signature and doc line of a task. params is "(T1,T2)", result "T".
struct TaskInfo {
  std::string name;    // as registered by the plugin
  std::string params;  // "(T1,T2)"
  std::string result;  // "T"
  std::string doc;     // the plugin's one-line description

  // "(i64,i64) -> i64"
  std::string signature() const { return params + " -> " + result; }

  friend bool operator==(const TaskInfo&, const TaskInfo&) = default;
};

}  // namespace ferry
