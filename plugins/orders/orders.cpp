// A plugin whose tasks pass a user struct, for the struct schema checks: a
// host, another plugin or a YAML literal whose Order differs from this one
// is refused with a message naming the field. Built twice: as `orders`, and
// with FERRY_ORDERS_SWAPPED as `orders_swapped`, whose Order has the same
// name and the same field sizes in the other order (what a separately built
// plugin may have), so the bytes would decode silently wrong.
#include <cstdint>
#include <string>
#include <vector>

#include <ferry/plugin.hpp>

struct Order {
#ifdef FERRY_ORDERS_SWAPPED
  double price = 0;
  std::int64_t qty = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(price), CEREAL_NVP(qty));
  }
#else
  std::int64_t qty = 0;
  double price = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(CEREAL_NVP(qty), CEREAL_NVP(price));
  }
#endif
};

namespace {

Order make_order(std::int64_t qty, double price) {
  Order o;
  o.qty = qty;
  o.price = price;
  return o;
}

double total(const Order& o) { return static_cast<double>(o.qty) * o.price; }

std::vector<Order> orders_of(std::int64_t n) {
  std::vector<Order> out;
  for (std::int64_t i = 1; i <= n; ++i) out.push_back(make_order(i, 0.5));
  return out;
}

void define(ferry::PluginBuilder& plugin) {
  plugin.task("make_order", make_order, "an Order of qty at price", {"qty", "price"});
  plugin.task("total", total, "qty x price", {"order"});
  plugin.task("orders_of", orders_of, "orders 1..n at 0.5 each", {"n"});
}

}  // namespace

#ifdef FERRY_ORDERS_SWAPPED
FERRY_PLUGIN(orders_swapped, "1.0") { define(plugin); }
#else
FERRY_PLUGIN(orders, "1.0") { define(plugin); }
#endif
