// Checks a `ferry run --trace` file against the rules of the Trace Event
// Format (JSON Array Format) that Perfetto and chrome://tracing rely on, and
// prints what it holds, for the shell test to compare:
//   slices STAGE COUNT ITEMS     complete events (ph X) per stage, items summed
//   instants NAME COUNT          instant events (ph i)
//   counters NAME COUNT          counter events (ph C)
//   tracks COUNT                 processes with slices, each named (ph M)
// Exits 1, saying which event and why, on the first rule broken.
//   trace_check FILE
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using Json = nlohmann::json;

[[noreturn]] void broken(std::size_t i, const Json& e, const std::string& why) {
  std::cerr << "trace_check: event " << i << ": " << why << ": " << e.dump() << '\n';
  std::exit(1);
}

bool is_number(const Json& j, const char* key) { return j.contains(key) && j[key].is_number(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: trace_check FILE\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  Json events;
  try {
    events = Json::parse(in);
  } catch (const std::exception& e) {
    std::cerr << "trace_check: not JSON: " << e.what() << '\n';
    return 1;
  }
  if (!events.is_array()) {
    std::cerr << "trace_check: not the JSON Array Format (an array of events)\n";
    return 1;
  }
  struct Slice {
    double begin, end;
  };
  std::map<std::pair<long, long>, std::vector<Slice>> slices_by_track;
  std::map<std::string, std::pair<long, unsigned long>> slices;  // stage -> (count, items)
  std::map<std::string, long> instants, counters;
  std::set<long> named, with_slices;
  const std::set<std::string> phases = {"X", "i", "C", "M"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Json& e = events[i];
    if (!e.is_object()) broken(i, e, "not an object");
    if (!e.contains("ph") || !e["ph"].is_string() || !phases.count(e["ph"].get<std::string>()))
      broken(i, e, "ph is not one of X, i, C, M");
    if (!e.contains("name") || !e["name"].is_string()) broken(i, e, "no name");
    if (!e.contains("pid") || !e["pid"].is_number_integer() || !e.contains("tid") || !e["tid"].is_number_integer())
      broken(i, e, "pid and tid must be integers");
    const std::string ph = e["ph"], name = e["name"];
    const long pid = e["pid"];
    if (ph == "M") {
      if (name != "process_name" && name != "thread_name" && name != "process_sort_index" && name != "thread_sort_index")
        broken(i, e, "unknown metadata event");
      if (!e.contains("args") || !e["args"].is_object()) broken(i, e, "metadata without args");
      if (name == "process_name") {
        if (!e["args"].contains("name") || !e["args"]["name"].is_string()) broken(i, e, "process_name without a name");
        named.insert(pid);
      }
      continue;
    }
    if (!is_number(e, "ts") || e["ts"].get<double>() < 0) broken(i, e, "ts must be a number >= 0 (microseconds)");
    if (ph == "X") {
      if (!is_number(e, "dur") || e["dur"].get<double>() < 0) broken(i, e, "a complete event needs dur >= 0");
      const double ts = e["ts"], dur = e["dur"];
      slices_by_track[{pid, e["tid"].get<long>()}].push_back({ts, ts + dur});
      with_slices.insert(pid);
      const auto& args = e.value("args", Json::object());
      if (!args.contains("stage") || !args.contains("task") || !is_number(args, "first_item") ||
          !is_number(args, "items"))
        broken(i, e, "a chunk slice needs stage, task, first_item and items");
      auto& s = slices[args["stage"].get<std::string>()];
      ++s.first;
      s.second += args["items"].get<unsigned long>();
    } else if (ph == "i") {
      if (!e.contains("s") || !e["s"].is_string() || std::string("gpt").find(e["s"].get<std::string>()) == std::string::npos)
        broken(i, e, "an instant event's scope s must be g, p or t");
      ++instants[name];
    } else if (ph == "C") {
      if (!e.contains("args") || !e["args"].is_object() || e["args"].empty()) broken(i, e, "a counter needs args");
      for (const auto& [k, v] : e["args"].items())
        if (!v.is_number()) broken(i, e, "counter value " + k + " is not a number");
      ++counters[name];
    }
  }
  // Slices of one thread must nest or follow each other: the viewers draw
  // overlapping ones wrongly. A worker runs one call at a time, so here
  // they must not overlap at all (a microsecond of rounding allowed).
  for (auto& [track, list] : slices_by_track) {
    std::sort(list.begin(), list.end(), [](const Slice& a, const Slice& b) { return a.begin < b.begin; });
    for (std::size_t k = 1; k < list.size(); ++k)
      if (list[k].begin + 1.0 < list[k - 1].end) {
        std::cerr << "trace_check: slices overlap on pid " << track.first << ": one ends at " << list[k - 1].end
                  << ", the next begins at " << list[k].begin << '\n';
        return 1;
      }
  }
  for (long pid : with_slices)
    if (!named.count(pid)) {
      std::cerr << "trace_check: pid " << pid << " has slices but no process_name\n";
      return 1;
    }
  for (const auto& [stage, s] : slices) std::cout << "slices " << stage << ' ' << s.first << ' ' << s.second << '\n';
  for (const auto& [name, n] : instants) std::cout << "instants " << name << ' ' << n << '\n';
  for (const auto& [name, n] : counters) std::cout << "counters " << name << ' ' << n << '\n';
  std::cout << "tracks " << with_slices.size() << '\n';
  return 0;
}
