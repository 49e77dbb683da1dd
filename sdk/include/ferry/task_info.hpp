// ferry::TaskInfo: one task of a loaded plugin, as its worker describes it.
// Beside the C task entry it copies (ferry_task_v1 in <ferry/abi.h>), so the
// worker, the wire and the host API share one definition.
#pragma once

#include <string>

#include <ferry/abi.h>

namespace ferry {

// Name, signature and doc line of a task. params is "(T1,T2)", result "T".
struct TaskInfo {
  std::string name;    // as registered by the plugin
  std::string params;  // "(T1,T2)"
  std::string result;  // "T"
  std::string doc;     // the plugin's one-line description

  // An owned copy of a plugin's task entry (whose strings the plugin owns).
  static TaskInfo of(const ferry_task_v1& t) { return {t.name, t.params, t.result, t.doc ? t.doc : ""}; }

  // "(i64,i64) -> i64"
  std::string signature() const { return params + " -> " + result; }

  friend bool operator==(const TaskInfo&, const TaskInfo&) = default;
};

}  // namespace ferry
