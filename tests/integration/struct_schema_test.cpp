// Struct schemas between a host and a plugin built separately: the host's
// Order below has the fields of the `orders` plugin's Order swapped (both
// 8 bytes, so the bytes would decode silently wrong). Every typed way in
// refuses it before anything runs, naming the field; the plugin built with
// the same layout (`orders_swapped`) takes it and gives the right answer.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <ferry/ferry.hpp>

// The host's view: price first, as plugins/orders/orders.cpp has it only
// when built with FERRY_ORDERS_SWAPPED.
struct Order {
  double price = 0;
  std::int64_t qty = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(price), CEREAL_NVP(qty));
  }
};

namespace {
const std::string kSwapped = "struct Order: field 1 is price: f64 in the host, qty: i64 in the plugin";
}

TEST_CASE("a host whose struct has the plugin's fields swapped is refused on every typed call, naming the field",
          "[schema]") {
  ferry::Engine engine;
  const auto orders = engine.load("orders");
  REQUIRE(orders.task("total").structs.size() == 1);
  CHECK(ferry::to_string(orders.task("total").structs[0]) == "Order{qty: i64, price: f64}");
  CHECK(orders.task("make_order").param_names == std::vector<std::string>{"qty", "price"});

  ferry::Pool pool(orders, {.workers = 1});
  const std::vector<Order> items{{2.5, 4}};
  const std::string refused = "task 'total' of plugin 'orders' (" + orders.path() + "): " + kSwapped;
  CHECK_THROWS_AS(pool.map<double>("total", items), ferry::SignatureError);
  CHECK_THROWS_WITH(pool.map<double>("total", items), refused);
  CHECK_THROWS_WITH(pool.imap<double>("total", items), refused);
  CHECK_THROWS_WITH(pool.imap_unordered<double>("total", items), refused);
  CHECK_THROWS_WITH(pool.apply_async<double>("total", items[0]), refused);
  CHECK_THROWS_WITH(pool.starmap<double>("total", std::vector<std::tuple<Order>>{{items[0]}}), refused);
  CHECK_THROWS_WITH(ferry::Process(orders, "total", items[0]), refused);
  // A result laid out differently is refused too, before it is decoded.
  ferry::Process make(orders, "make_order", std::int64_t{4}, 2.5);
  make.start();
  const std::string result_refused = "task 'make_order' of plugin 'orders' (" + orders.path() + "): " + kSwapped;
  CHECK_THROWS_WITH(make.result<Order>(), result_refused);
  CHECK_THROWS_WITH(pool.apply<Order>("make_order", std::int64_t{4}, 2.5), result_refused);
}

TEST_CASE("a plugin whose struct matches the host's takes it and gives the right answer", "[schema]") {
  ferry::Engine engine;
  ferry::Pool pool(engine.load("orders_swapped"), {.workers = 1});
  CHECK(pool.map<double>("total", std::vector<Order>{{2.5, 4}, {0.5, 3}}) == std::vector<double>{10.0, 1.5});
  const Order o = pool.apply<Order>("make_order", std::int64_t{4}, 2.5);
  CHECK(o.qty == 4);
  CHECK(o.price == 2.5);
}

TEST_CASE("dynamic arguments are checked field by field against the plugin's struct", "[schema]") {
  ferry::Engine engine;
  const auto orders = engine.load("orders");
  using ferry::Value;
  orders.check_arguments("total", {Value(Value::Map{{"qty", 2}, {"price", 1.5}})});
  CHECK_THROWS_WITH(orders.check_arguments("total", {Value(Value::Map{{"qty", 1.5}, {"price", 2}})}),
                    "task 'total' (Order): argument 1 (order): field 'qty' of struct Order: expected i64, got float");
  CHECK_THROWS_WITH(orders.check_arguments("total", {Value(Value::Map{{"qtty", 1}, {"price", 2}})}),
                    "task 'total' (Order): argument 1 (order): struct Order has no field 'qtty'; did you mean 'qty'?");
  CHECK_THROWS_WITH(orders.check_arguments("total", {Value(Value::Map{{"qty", 1}})}),
                    "task 'total' (Order): argument 1 (order): struct Order: missing field 'price' (f64)");
  // The worker refuses an unknown field too, whoever skipped the check.
  auto p = ferry::Process::from_values(orders, "total", {Value(Value::Map{{"qty", 1}, {"price", 2.0}, {"note", "x"}})});
  p.start();
  CHECK_THROWS_WITH(p.value_result(), Catch::Contains("unknown field 'note'"));
  auto ok = ferry::Process::from_values(orders, "total", {Value(Value::Map{{"qty", 3}, {"price", 2.0}})});
  ok.start();
  CHECK(ok.value_result() == Value(6.0));
}
