#include "pipeline/run/runner.hpp"

#include <condition_variable>
#include <iostream>
#include <map>
#include <stdexcept>
#include <thread>

#include <ferry/errors.hpp>
#include <ferry/manager_protocol.hpp>
#include <ferry/value_text.hpp>

#include "broker/redis_url.hpp"
#include "engine/thread_name.hpp"
#include "pipeline/broker/broker_session.hpp"
#include "pipeline/broker/remote_segment.hpp"
#include "pipeline/connectors/connector.hpp"
#include "pipeline/run/host_stages.hpp"
#include "pipeline/run/journal.hpp"
#include "pipeline/run/run_outputs.hpp"
#include "pipeline/run/stream_check.hpp"
#include "pipeline/run/task_stage.hpp"
#include "values/type_expr.hpp"
#include "values/typed_value.hpp"

namespace ferry::pipeline {
namespace {

std::string store_type(const SharedDecl& d) {
  switch (d.kind) {
    case SharedDecl::Kind::dict:
      return "dict<" + d.key_type + "," + d.item_type + ">";
    case SharedDecl::Kind::list:
      return "shared_list<" + d.item_type + ">";
    case SharedDecl::Kind::queue:
      return "queue<" + d.item_type + ">";
  }
  return {};
}

// Creates each shared object with its type, so a task using it with
// another type fails at once rather than taking the name first.
void create_shared(const Plan& plan, ManagerLink& link) {
  for (const auto& d : plan.model.shared) {
    manager::Request r;
    r.name = d.name;
    r.type = store_type(d);
    r.op = d.kind == SharedDecl::Kind::dict   ? manager::Op::dict_size
           : d.kind == SharedDecl::Kind::list ? manager::Op::list_size
                                              : manager::Op::queue_size;
    const auto reply = link.call(r);
    if (reply.status != manager::Status::ok)
      throw ConfigError("shared '" + d.name + "': " + reply.error);
  }
}

// The dict as one JSON object, keys sorted so that runs compare equal
// whatever order the workers wrote in.
std::string dict_json(const Plan& plan, ManagerLink& link, const std::string& name) {
  const SharedDecl* decl = nullptr;
  for (const auto& d : plan.model.shared)
    if (d.name == name) decl = &d;
  manager::Request r;
  r.op = manager::Op::dict_items;
  r.name = name;
  r.type = store_type(*decl);
  const auto reply = link.call(r);
  if (reply.status != manager::Status::ok) throw ManagerError("dict '" + name + "': " + reply.error);
  const auto key_type = *types::parse_type(decl->key_type);
  const auto value_type = *types::parse_type(decl->item_type);
  std::map<std::string, Value> sorted;
  for (std::size_t i = 0; i + 1 < reply.values.size(); i += 2) {
    const Value k = types::decode_typed(key_type, reply.values[i]);
    sorted.emplace(k.is_string() ? k.as_string() : to_json(k), types::decode_typed(value_type, reply.values[i + 1]));
  }
  Value::Map m;
  for (auto& [k, v] : sorted) m.emplace_back(k, std::move(v));
  return to_json(Value(std::move(m)));
}

StageStats stage_snapshot(const Plan& plan, RunControl& control, std::size_t i, std::int64_t now) {
  const auto& sp = plan.stages[i];
  auto& c = control.counters(i);
  StageStats st;
  st.name = sp.stage->name;
  st.kind = kind_name(sp.stage->kind);
  st.workers = sp.plugin ? sp.settings.workers : 0;
  st.items_in = c.items_in;
  st.items_out = c.items_out;
  st.failed = c.failed;
  st.skipped = c.skipped;
  st.collected = c.collected;
  st.retried = c.retried;
  st.busy = std::chrono::nanoseconds(c.busy_ns.load());
  st.resumed = c.resumed;
  if (c.input) st.queued = c.input->size();
  const auto in_flight = c.in_flight.load();
  if (in_flight > 0) st.in_flight = static_cast<std::uint64_t>(in_flight);
  if (!sp.plugin && sp.stage->kind == Stage::Kind::source) st.total = sp.stage->source->size();
  const auto started = c.started_ns.load(), finished = c.finished_ns.load();
  st.finished = finished >= 0;
  if (started >= 0) st.wall = std::chrono::nanoseconds((st.finished ? finished : now) - started);
  return st;
}

PipelineStats snapshot(const Plan& plan, RunControl& control) {
  PipelineStats s;
  s.pipeline = plan.model.name;
  s.wall = Clock::now() - control.started();
  const auto now = control.now_ns();
  for (std::size_t i = 0; i < plan.stages.size(); ++i) s.stages.push_back(stage_snapshot(plan, control, i, now));
  return s;
}

// Calls on_progress every interval until stopped.
class ProgressThread {
 public:
  ProgressThread(const Plan& plan, RunControl& control, const PipelineRunOptions& options) {
    if (!options.on_progress) return;
    thread_ = std::thread([&, this] {
      ferry::detail::name_this_thread("ferry-progress", "");
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, options.progress_interval, [this] { return done_; })) {
        lock.unlock();
        options.on_progress(snapshot(plan, control));
        lock.lock();
      }
    });
  }
  ~ProgressThread() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Runs stage i's body, turning an escaping exception into a stopped run,
// and tells the observer when it starts and ends.
template <class F>
std::thread stage_thread(const Plan& plan, RunControl& control, std::size_t i, F body) {
  return std::thread([&plan, &control, i, body = std::move(body)]() mutable {
    const std::string& name = plan.stages[i].stage->name;
    ferry::detail::name_this_thread("f:", name);
    control.observer().stage_started(name);
    try {
      body();
    } catch (const std::exception& e) {
      control.fail(e.what());
    }
    if (control.observer().active())
      control.observer().stage_finished(name, stage_snapshot(plan, control, i, control.now_ns()));
  });
}

// The journal for options.journal, after checking the pipeline can keep
// one: a sink whose output a restart can cut back, a source it can read
// again, an order that makes "written so far" a prefix, and no shared
// state or errors: file that would be lost or written twice.
std::unique_ptr<Journal> open_journal(const Plan& plan, const std::string& path) {
  if (path.empty()) return nullptr;
  const Stage& last = plan.model.stages.back();
  if (last.kind != Stage::Kind::sink || !last.sink->kind().resumable)
    throw ConfigError("--journal needs a pipeline whose last stage is a file sink: stdout cannot be cut back "
                      "to what was recorded, and a shared dict dies with the process");
  const Stage& first = plan.model.stages.front();
  if (const auto why = first.source->not_resumable(); !why.empty())
    throw ConfigError("--journal cannot be used with the source '" + first.name + "': " + why);
  if (plan.model.output_dict)
    throw ConfigError("--journal cannot be used with output: the shared dict it prints dies with the process");
  for (const auto& sp : plan.stages)
    if (sp.plugin && !sp.settings.ordered)
      throw ConfigError("--journal needs ordered stages; stage '" + sp.stage->name + "' has ordered: false");
  for (const auto& output : plan.dead_letters)
    if (!output->output_path().empty())
      throw ConfigError("--journal cannot be used with errors: {file: " + output->output_path() +
                        "}: a restart cannot cut it back, so records would be written twice (use errors: stderr)");
  return std::make_unique<Journal>(path, last.sink->output_path());
}

// Registers control with Pipeline::stop for as long as it lives.
class StopRegistration {
 public:
  StopRegistration(ActiveRun& active, RunControl& control) : active_(active) {
    std::lock_guard lock(active_.mu);
    active_.control = &control;
    active_.stopped = false;
  }
  ~StopRegistration() { release(); }
  // From now on Pipeline::stop finds no run: call before the stages go,
  // since stopping calls into them.
  void release() {
    std::lock_guard lock(active_.mu);
    active_.control = nullptr;
  }
  bool stopped() const {
    std::lock_guard lock(active_.mu);
    return active_.stopped;
  }

 private:
  ActiveRun& active_;
};

// The session of a run whose task stages go to a broker, or null for a local
// run. The host's own option wins over the file's `broker:`.
std::unique_ptr<BrokerSession> open_broker(const Plan& plan, const PipelineRunOptions& options) {
  const std::string url = !options.broker.empty() ? options.broker : plan.model.broker.value_or("");
  if (url.empty()) return nullptr;
  return std::make_unique<BrokerSession>(broker::RedisUrl::parse(url), plan, options.broker_heartbeat, std::cerr);
}

}  // namespace

PipelineStats run_plan(const Plan& plan, const std::shared_ptr<ManagerLink>& manager,
                       const PipelineRunOptions& options, ActiveRun& active) {
  const std::size_t n = plan.stages.size();
  {  // before the sink or the journal touches a file
    const auto outputs = outputs_of(plan, options);
    check_distinct(outputs);
    check_inputs_apart(plan, outputs);
  }
  auto journal = open_journal(plan, options.journal);
  auto broker = open_broker(plan, options);
  // A distributed run's shared objects live on the broker.
  const std::shared_ptr<ManagerLink> objects = broker ? broker->objects_link() : manager;
  RunControl control(n, options.observer);
  if (journal) control.skip_origins(&journal->done());
  std::ostream& out = options.out ? *options.out : std::cout;
  std::ostream& errors = options.errors ? *options.errors : std::cerr;
  const SinkIo sink_io{out, errors, objects, std::nullopt};
  const SourceIo source_io{options.in};
  control.dead_letters().open(plan.dead_letters, sink_io, [&control](const std::string& why) { control.fail(why); });
  create_shared(plan, *objects);
  StopRegistration registration(active, control);
  if (control.observer().active()) {
    std::vector<std::string> names;
    for (const auto& sp : plan.stages) names.push_back(sp.stage->name);
    control.observer().run_started(plan.model.name, names);
  }

  // queues[i] feeds stage i + 1; sized by the stage it feeds.
  std::vector<std::unique_ptr<ItemQueue>> queues;
  for (std::size_t i = 1; i < n; ++i) {
    queues.push_back(std::make_unique<ItemQueue>(plan.stages[i].settings.queue_size));
    control.watch(*queues.back(), plan.stages[i].stage->kind == Stage::Kind::sink);
  }
  auto in_of = [&](std::size_t i) -> ItemQueue& { return *queues[i - 1]; };
  auto out_of = [&](std::size_t i) -> ItemQueue* { return i + 1 < n ? queues[i].get() : nullptr; };
  for (std::size_t i = 1; i < n; ++i) control.counters(i).input = &in_of(i);

  // A generator source is a task stage fed one item: its argument list.
  ItemQueue seed(1);
  control.watch(seed);
  std::vector<std::unique_ptr<TaskStage>> task_stages(n);
  std::vector<std::unique_ptr<RemoteSegment>> remote(n);  // by the segment's first stage
  std::vector<bool> remote_stage(n, false);
  if (broker)
    for (const auto& seg : broker->segments())
      for (std::size_t i = seg.first; i <= seg.last; ++i) remote_stage[i] = true;
  std::vector<std::thread> threads;
  {
    ProgressThread progress(plan, control, options);
    try {
      for (std::size_t i = 0; i < n; ++i) {
        const StagePlan& sp = plan.stages[i];
        const StagePlan* p = &sp;
        if (sp.plugin) {
          const bool generator = sp.stage->kind == Stage::Kind::source;
          if (generator) {
            // Its one call is origin 0: done already when a journal says so.
            const auto* done = control.skipped_origins();
            if (!(done && done->contains(0))) {
              std::vector<Item> args{Item{codec::encode_value(Value(*sp.stage->source->task_args())), false, false, 0, {}}};
              seed.push(args);
            } else {
              ++control.counters(i).resumed;
            }
            seed.close();
          }
          if (remote_stage[i]) {
            for (const auto& seg : broker->segments()) {
              if (seg.first != i) continue;
              remote[i] = std::make_unique<RemoteSegment>(plan, seg, *broker, generator ? seed : in_of(i),
                                                          out_of(seg.last), control);
              threads.push_back(stage_thread(plan, control, i, [&, i] { remote[i]->run(); }));
            }
            continue;  // a stage inside a segment runs on the workers only
          }
          task_stages[i] = std::make_unique<TaskStage>(sp, i, generator ? seed : in_of(i), out_of(i), control);
          threads.push_back(stage_thread(plan, control, i, [&, i] { task_stages[i]->run(); }));
        } else if (sp.stage->kind == Stage::Kind::source) {
          threads.push_back(stage_thread(plan, control, i, [&, i, p] { run_source(*p, i, out_of(i), control, source_io); }));
        } else if (sp.stage->kind == Stage::Kind::batch) {
          threads.push_back(
              stage_thread(plan, control, i, [&, i, p] { run_batch(*p, i, in_of(i), out_of(i), control); }));
        } else {
          threads.push_back(
              stage_thread(plan, control, i, [&, i, p] { run_sink(*p, i, in_of(i), control, sink_io, journal.get()); }));
        }
      }
    } catch (const std::exception& e) {
      control.fail(e.what());
    }
    for (auto& t : threads) t.join();
  }
  registration.release();
  control.dead_letters().close();
  task_stages.clear();  // after the threads, and after stop() can no longer reach them
  remote.clear();

  auto stats = snapshot(plan, control);
  stats.ok = !control.failed();
  stats.error = control.reason();
  stats.stopped = registration.stopped();
  if (stats.ok && plan.model.output_dict) {
    try {
      const std::string target = &out == &std::cout ? "stdout" : "the output stream";
      if (!write_all(out, dict_json(plan, *objects, *plan.model.output_dict) + '\n'))
        throw std::runtime_error("cannot write to " + target + ": " + write_failure());
    } catch (const std::exception& e) {
      stats.ok = false;
      stats.error = std::string("output: ") + e.what();
    }
  }
  broker.reset();  // the run's keys go with it
  if (auto error = control.observer().run_finished(stats); !error.empty() && stats.ok) {
    stats.ok = false;
    stats.error = std::move(error);
  }
  return stats;
}

}  // namespace ferry::pipeline
