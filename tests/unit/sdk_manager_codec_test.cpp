// The manager protocol's hand-written codec (ferry/manager_codec.hpp) must
// write exactly the bytes cereal writes, so plugins built either way and the
// host understand each other, and must refuse what cereal could not read.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <ferry/codec.hpp>
#include <ferry/manager_codec.hpp>

using ferry::ValueError;
using ferry::manager::Op;
using ferry::manager::Reply;
using ferry::manager::Request;
using ferry::manager::Status;

namespace {

std::vector<Request> sample_requests() {
  return {
      Request{},
      Request{Op::queue_put, "numbers", "queue<i64>", {ferry::codec::encode(std::int64_t{42})}, -1, 0},
      Request{Op::dict_update, "a name longer than the short string buffer", "dict<str,list<f64>>",
              {"k1", std::string(1000, 'v'), "", std::string("\0\1\2", 3)}, 250, 7},
      Request{Op::descriptor_open, "", "", {}, 0, ~std::uint64_t{0}},
  };
}

std::vector<Reply> sample_replies() {
  return {
      Reply{},
      Reply{Status::ok, {ferry::codec::encode(std::int64_t{-5})}, ""},
      Reply{Status::error, {}, "dict 'd' has type dict<str,i64>, not dict<str,f64>"},
      Reply{Status::missing, {"a", "", std::string(70000, 'x')}, ""},
  };
}

}  // namespace

TEST_CASE("manager codec: requests and replies are cereal's bytes, both ways", "[manager][codec]") {
  for (const auto& r : sample_requests()) {
    const std::string ours = ferry::manager::encode(r);
    CHECK(ours == ferry::codec::encode(r));
    Request back;
    ferry::manager::decode(ours, back);
    CHECK(back.op == r.op);
    CHECK(back.name == r.name);
    CHECK(back.type == r.type);
    CHECK(back.args == r.args);
    CHECK(back.timeout_ms == r.timeout_ms);
    CHECK(back.capacity == r.capacity);
  }
  for (const auto& r : sample_replies()) {
    const std::string ours = ferry::manager::encode(r);
    CHECK(ours == ferry::codec::encode(r));
    Reply back;
    ferry::manager::decode(ours, back);
    CHECK(back.status == r.status);
    CHECK(back.values == r.values);
    CHECK(back.error == r.error);
  }
}

TEST_CASE("manager codec: encode_into appends to what the buffer holds", "[manager][codec]") {
  const Request r = sample_requests()[1];
  std::string out = "prefix";
  ferry::manager::encode_into(out, r);
  CHECK(out == "prefix" + ferry::codec::encode(r));
}

TEST_CASE("manager codec: truncated, padded or lying input is refused", "[manager][codec]") {
  const std::string bytes = ferry::manager::encode(sample_requests()[2]);
  Request r;
  for (std::size_t n = 0; n < bytes.size(); ++n) CHECK_THROWS_AS(ferry::manager::decode(bytes.substr(0, n), r), ValueError);
  CHECK_THROWS_WITH(ferry::manager::decode(bytes + "x", r), "1 bytes left over after decoding");

  // An args count the bytes left cannot hold is refused before anything is allocated.
  std::string lying(1, static_cast<char>(Op::dict_set));
  lying += ferry::codec::encode(std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{1} << 40);
  CHECK_THROWS_WITH(ferry::manager::decode(lying, r), "a length of 1099511627776 is more than the 0 bytes left hold");

  const std::string reply = ferry::manager::encode(sample_replies()[3]);
  Reply back;
  for (std::size_t n = 0; n < reply.size(); n += 97) CHECK_THROWS_AS(ferry::manager::decode(reply.substr(0, n), back), ValueError);
}

TEST_CASE("manager codec: a request with one big item becomes that item in place", "[manager][codec]") {
  const std::string item(100'000, 'x');
  const Request put{Op::queue_put, "blobs", "queue<bytes>", {item}, -1, 3};
  std::string bytes = ferry::manager::encode(put);
  Request back;
  ferry::manager::decode(std::move(bytes), back);
  CHECK(back.op == Op::queue_put);
  CHECK(back.name == "blobs");
  CHECK(back.type == "queue<bytes>");
  CHECK(back.args == std::vector<std::string>{item});
  CHECK(back.capacity == 3);

  // Several big items, or a small request, are copied and decode the same way.
  const Request update{Op::dict_update, "d", "dict<str,str>", {"k", item, "k2", item + "y"}, 5, 0};
  std::string update_bytes = ferry::manager::encode(update);
  ferry::manager::decode(std::move(update_bytes), back);
  CHECK(back.args == update.args);
  CHECK(back.timeout_ms == 5);

  // Malformed input is refused before anything is taken over.
  std::string padded = ferry::manager::encode(put) + "x";
  const std::string copy = padded;
  CHECK_THROWS_WITH(ferry::manager::decode(std::move(padded), back), "1 bytes left over after decoding");
  CHECK(padded == copy);
}

TEST_CASE("manager codec: a request written with its argument in place is the request's encoding",
          "[manager][codec]") {
  for (const std::string& item : {std::string(), std::string("x"), std::string(100'000, 'y')}) {
    std::string out = "kept";
    ferry::manager::encode_with_arg_into(out, Op::queue_put, "blobs", "queue<str>", -1, 0,
                                         [&](std::string& o) { ferry::codec::encode_into(o, item); });
    const Request r{Op::queue_put, "blobs", "queue<str>", {ferry::codec::encode(item)}, -1, 0};
    CHECK(out == "kept" + ferry::manager::encode(r));
  }
}
