// A task's queue puts through ferry_host_v1 (what ferry-worker offers): a
// large string or bytes item goes out as parts (manager_parts) that join
// into the request's usual encoding; without manager_parts (an older
// worker) the same bytes go through manager; the first put to a queue asks
// the manager once whether the name holds that type.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ferry/context.hpp>
#include <ferry/manager_codec.hpp>
#include <ferry/shared.hpp>

using namespace ferry;

namespace {

// A stand-in for ferry-worker's manager entries: records what reaches it.
struct FakeWorker {
  std::vector<manager::Request> calls;  // waited for
  std::vector<std::string> posts;       // posted, as the joined bytes
  std::vector<std::size_t> post_parts;  // how many parts each post came in (1: manager)
  ferry_host_v1 host{};

  explicit FakeWorker(bool offers_parts) {
    host.struct_size = sizeof host;
    host.state = this;
    host.manager = [](void* state, const std::uint8_t* request, std::uint64_t size, ferry_sink_v1* reply) {
      auto* w = static_cast<FakeWorker*>(state);
      const std::string bytes(reinterpret_cast<const char*>(request), size);
      if (!reply) {
        w->posts.push_back(bytes);
        w->post_parts.push_back(1);
        return std::int32_t{0};
      }
      manager::Request r;
      manager::decode(std::string_view(bytes), r);
      w->calls.push_back(r);
      const std::string out = manager::encode(manager::Reply{manager::Status::ok, {codec::encode(std::uint64_t{0})}, ""});
      reply->write(reply->state, reinterpret_cast<const std::uint8_t*>(out.data()), out.size());
      return std::int32_t{0};
    };
    if (offers_parts)
      host.manager_parts = [](void* state, const ferry_span_v1* parts, std::uint32_t count, ferry_sink_v1* reply) {
        auto* w = static_cast<FakeWorker*>(state);
        if (reply) return std::int32_t{1};  // only posts come as parts
        std::string joined;
        for (std::uint32_t i = 0; i < count; ++i) joined.append(reinterpret_cast<const char*>(parts[i].data), parts[i].size);
        w->posts.push_back(joined);
        w->post_parts.push_back(count);
        return std::int32_t{0};
      };
  }
};

std::string put_encoding(const Bytes& item) {
  return manager::encode(manager::Request{manager::Op::queue_put, "q", type_name<Queue<Bytes>>(), {codec::encode(item)}, -1, 0});
}

}  // namespace

TEST_CASE("queue puts: a large item goes out as parts that join into the usual request", "[sdk][manager]") {
  const bool offers_parts = GENERATE(true, false);
  INFO("the worker offers manager_parts: " << offers_parts);
  FakeWorker worker(offers_parts);
  Queue<Bytes> q(std::make_shared<detail::HostManagerLink>(&worker.host), "q");
  Bytes big;
  big.data.assign(200'000, 7);
  big.data[0] = 1;
  const Bytes small{{1, 2, 3}};
  q.put(big);
  q.put(small);
  q.put(big);
  // One check of the name's type, then every put posted.
  REQUIRE(worker.calls.size() == 1);
  CHECK(worker.calls[0].op == manager::Op::queue_size);
  CHECK(worker.calls[0].name == "q");
  REQUIRE(worker.posts.size() == 3);
  CHECK(worker.posts[0] == put_encoding(big));
  CHECK(worker.posts[1] == put_encoding(small));
  CHECK(worker.posts[2] == put_encoding(big));
  const std::size_t large_parts = offers_parts ? 3 : 1;
  CHECK(worker.post_parts == std::vector<std::size_t>{large_parts, 1, large_parts});
}
