#include "pipeline/broker/remote_plan.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include <ferry/errors.hpp>

#include "broker/keys.hpp"

namespace ferry::pipeline {
namespace {

using nlohmann::json;

const Stage::Kind kKinds[] = {Stage::Kind::source, Stage::Kind::map,   Stage::Kind::starmap, Stage::Kind::flat_map,
                              Stage::Kind::apply,  Stage::Kind::batch, Stage::Kind::sink};

Stage::Kind kind_named(const std::string& name) {
  for (auto k : kKinds)
    if (name == kind_name(k)) return k;
  throw Error("unknown stage kind '" + name + "'");
}

const char* on_error_name(OnError e) {
  switch (e) {
    case OnError::skip:
      return "skip";
    case OnError::collect:
      return "collect";
    case OnError::fail:
      break;
  }
  return "fail";
}

OnError on_error_named(const std::string& name) {
  if (name == "skip") return OnError::skip;
  if (name == "collect") return OnError::collect;
  if (name == "fail") return OnError::fail;
  throw Error("unknown on_error '" + name + "'");
}

json settings_json(const FinalSettings& s) {
  json j{{"chunksize", s.chunksize},
         {"ordered", s.ordered},
         {"retries", s.retries},
         {"on_error", on_error_name(s.on_error)},
         {"max_tasks_per_child", s.max_tasks_per_child},
         {"queue_size", s.queue_size},
         {"memory_limit", s.memory_limit}};
  j["timeout_ms"] = s.timeout ? json(s.timeout->count()) : json(nullptr);
  return j;
}

FinalSettings settings_from(const json& j) {
  FinalSettings s;
  s.chunksize = j.at("chunksize").get<std::size_t>();
  s.ordered = j.at("ordered").get<bool>();
  s.retries = j.at("retries").get<std::size_t>();
  s.on_error = on_error_named(j.at("on_error").get<std::string>());
  s.max_tasks_per_child = j.at("max_tasks_per_child").get<std::size_t>();
  s.queue_size = j.at("queue_size").get<std::size_t>();
  s.memory_limit = j.at("memory_limit").get<std::uint64_t>();
  if (!j.at("timeout_ms").is_null()) s.timeout = std::chrono::milliseconds(j.at("timeout_ms").get<std::int64_t>());
  return s;
}

}  // namespace

const RemoteStage* RemotePlan::stage(std::size_t index) const {
  for (const auto& s : stages)
    if (s.index == index) return &s;
  return nullptr;
}

std::vector<Segment> remote_segments(const Plan& plan) {
  std::vector<Segment> out;
  for (std::size_t i = 0; i < plan.stages.size(); ++i) {
    const StagePlan& sp = plan.stages[i];
    if (!sp.plugin) continue;
    const bool opens_only = sp.stage->kind == Stage::Kind::apply || sp.stage->kind == Stage::Kind::source;
    if (!out.empty() && out.back().last + 1 == i && !opens_only) out.back().last = i;
    else out.push_back(Segment{i, i});
  }
  return out;
}

RemotePlan describe_remote(const Plan& plan, const std::vector<Segment>& segments, const std::string& run,
                           std::chrono::milliseconds heartbeat) {
  RemotePlan rp;
  rp.run = run;
  rp.pipeline = plan.model.name;
  rp.heartbeat = heartbeat;
  for (const auto& seg : segments) {
    for (std::size_t i = seg.first; i <= seg.last; ++i) {
      const StagePlan& sp = plan.stages[i];
      RemoteStage r;
      r.index = i;
      r.name = sp.stage->name;
      r.kind = sp.stage->kind;
      r.plugin = {sp.plugin->name(), sp.plugin->version(), broker::file_hash(sp.plugin->path())};
      r.plugin_file = std::filesystem::path(sp.plugin->path()).filename().string();
      const TaskInfo& task = sp.plugin->tasks().at(sp.task);
      r.task = task.name;
      r.signature = task.signature();
      r.task_label = sp.task_label;
      r.typed_in = sp.typed_in;
      r.typed_out = sp.typed_out;
      r.dead_letter = sp.dead_letter;
      r.settings = sp.settings;
      r.in_stream = broker::keys::stage_stream(run, i);
      r.out_stream = i == seg.last ? broker::keys::out_stream(run, seg.last) : broker::keys::stage_stream(run, i + 1);
      r.report_stream = broker::keys::out_stream(run, seg.last);
      r.suspect_stream = broker::keys::suspect_stream(run, i);
      rp.stages.push_back(std::move(r));
    }
  }
  return rp;
}

std::string to_json(const RemotePlan& plan) {
  json stages = json::array();
  for (const auto& s : plan.stages)
    stages.push_back({{"index", s.index},
                      {"name", s.name},
                      {"kind", kind_name(s.kind)},
                      {"plugin", {{"name", s.plugin.name}, {"version", s.plugin.version}, {"hash", s.plugin.hash}}},
                      {"file", s.plugin_file},
                      {"task", s.task},
                      {"signature", s.signature},
                      {"task_label", s.task_label},
                      {"typed_in", s.typed_in},
                      {"typed_out", s.typed_out},
                      {"dead_letter", s.dead_letter},
                      {"settings", settings_json(s.settings)},
                      {"in", s.in_stream},
                      {"out", s.out_stream},
                      {"report", s.report_stream},
                      {"suspects", s.suspect_stream}});
  return json{{"version", RemotePlan::kVersion},
              {"run", plan.run},
              {"pipeline", plan.pipeline},
              {"heartbeat_ms", plan.heartbeat.count()},
              {"max_deliveries", plan.max_deliveries},
              {"stages", std::move(stages)}}
      .dump();
}

RemotePlan remote_plan_from_json(const std::string& text) {
  try {
    const json j = json::parse(text);
    if (j.at("version").get<int>() != RemotePlan::kVersion)
      throw Error("a run plan of version " + j.at("version").dump() + " (this ferry reads version " +
                  std::to_string(RemotePlan::kVersion) + ")");
    RemotePlan rp;
    rp.run = j.at("run").get<std::string>();
    rp.pipeline = j.at("pipeline").get<std::string>();
    rp.heartbeat = std::chrono::milliseconds(std::max<std::int64_t>(10, j.at("heartbeat_ms").get<std::int64_t>()));
    rp.max_deliveries = std::max<std::uint32_t>(1, j.at("max_deliveries").get<std::uint32_t>());
    for (const auto& s : j.at("stages")) {
      RemoteStage r;
      r.index = s.at("index").get<std::size_t>();
      r.name = s.at("name").get<std::string>();
      r.kind = kind_named(s.at("kind").get<std::string>());
      const auto& p = s.at("plugin");
      r.plugin = {p.at("name").get<std::string>(), p.at("version").get<std::string>(), p.at("hash").get<std::string>()};
      r.plugin_file = s.at("file").get<std::string>();
      r.task = s.at("task").get<std::string>();
      r.signature = s.at("signature").get<std::string>();
      r.task_label = s.at("task_label").get<std::string>();
      r.typed_in = s.at("typed_in").get<bool>();
      r.typed_out = s.at("typed_out").get<bool>();
      r.dead_letter = s.at("dead_letter").get<std::uint16_t>();
      r.settings = settings_from(s.at("settings"));
      r.in_stream = s.at("in").get<std::string>();
      r.out_stream = s.at("out").get<std::string>();
      r.report_stream = s.at("report").get<std::string>();
      r.suspect_stream = s.at("suspects").get<std::string>();
      rp.stages.push_back(std::move(r));
    }
    return rp;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string("a run plan ferry cannot read: ") + e.what());
  }
}

StagePlan stage_plan_for(const RemoteStage& remote, const Plugin& plugin, Stage& holder) {
  holder.kind = remote.kind;
  holder.name = remote.name;
  StagePlan sp;
  sp.stage = &holder;
  sp.plugin = plugin;
  sp.task = static_cast<std::uint32_t>(plugin.task_index(remote.task));
  sp.task_label = remote.task_label;
  sp.settings = remote.settings;
  sp.typed_in = remote.typed_in;
  sp.typed_out = remote.typed_out;
  sp.dead_letter = remote.dead_letter;
  sp.gathered = remote.kind == Stage::Kind::apply;
  return sp;
}

}  // namespace ferry::pipeline
