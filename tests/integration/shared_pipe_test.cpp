// Pipes between the host and processes (ferry::Engine::pipe, Python's
// multiprocessing.Pipe): both kinds of ends, messages of every size, and a
// posted dict set seen by whoever hears of it through a pipe.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <ferry/ferry.hpp>

using I64 = std::int64_t;

TEST_CASE("a posted dict set is seen by whoever hears of it through a pipe", "[shared][pipe]") {
  ferry::Engine engine;
  auto d = engine.dict<std::string, I64>("posted");
  auto [in, out] = engine.pipe<I64>(false);
  const I64 n = 2000;
  ferry::Process p(engine.load("shared"), "set_then_send", d, out, n);
  p.start();
  I64 stale = 0;
  for (I64 i = 1; i <= n; ++i) {
    REQUIRE(in.recv() == i);
    stale += d.get("k").value_or(0) < i;
  }
  p.join();
  CHECK(p.exitcode() == 0);
  CHECK(stale == 0);
  CHECK(d.get("k") == n);
}

TEST_CASE("a duplex pipe between the host and a process", "[shared][pipe]") {
  ferry::Engine engine;
  auto [parent, child] = engine.pipe<std::string>();
  ferry::Process p(engine.load("shared"), "pipe_echo", child);
  p.start();
  parent.send("hello");
  CHECK(parent.recv() == "echo: hello");
  parent.send("world");
  CHECK(parent.poll(std::chrono::seconds(10)));
  CHECK(parent.recv() == "echo: world");
  parent.send("bye");
  p.join();
  CHECK(p.result<I64>() == 2);
}

TEST_CASE("a one-way pipe: the child sends, the host receives", "[shared][pipe]") {
  ferry::Engine engine;
  auto [receiver, sender] = engine.pipe<I64>(false);
  CHECK_THROWS_AS(receiver.send(1), ferry::ManagerError);
  ferry::Process p(engine.load("shared"), "pipe_count", sender, I64{1000});
  p.start();
  I64 sum = 0;
  for (int i = 0; i < 1000; ++i) sum += receiver.recv();
  p.join();
  CHECK(p.exitcode() == 0);
  CHECK(sum == 499500);
  CHECK_FALSE(receiver.poll());
}

TEST_CASE("strings and bytes of every size cross a pipe intact, in order", "[shared][pipe]") {
  // Around the size from which they are received in place, and far beyond
  // the socket's buffer (so the sender runs on a thread of its own).
  const std::vector<std::size_t> sizes{0, 1, 65'527, 65'528, 65'536, 1 << 20, 3'000'001};
  ferry::Engine engine;
  auto [text_in, text_out] = engine.pipe<std::string>(false);
  auto [bytes_in, bytes_out] = engine.pipe<ferry::Bytes>(false);
  std::thread sender([&, &text_out = text_out, &bytes_out = bytes_out] {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      text_out.send(std::string(sizes[i], static_cast<char>('a' + i)));
      bytes_out.send(ferry::Bytes{std::vector<std::uint8_t>(sizes[i], static_cast<std::uint8_t>(200 + i))});
    }
  });
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    CHECK(text_in.recv() == std::string(sizes[i], static_cast<char>('a' + i)));
    CHECK(bytes_in.recv().data == std::vector<std::uint8_t>(sizes[i], static_cast<std::uint8_t>(200 + i)));
  }
  sender.join();
  CHECK_FALSE(text_in.poll());
}
