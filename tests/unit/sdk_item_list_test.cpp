// detail::ItemList, the encoded items of one call: items appended as a
// block of one size are held as that size and a count (no list of ends),
// and must read, compare and grow exactly as a list of ends would.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <ferry/detail/item_list.hpp>

using ferry::detail::ItemList;

namespace {

// The same items, pushed one by one: always a list of ends.
ItemList pushed(const std::vector<std::string>& items) {
  ItemList out;
  for (const auto& item : items) out.push_back(item);
  return out;
}

}  // namespace

TEST_CASE("item list: a block of one size reads like items pushed one by one", "[sdk]") {
  const std::string block = "aaaabbbbcccc";
  ItemList list;
  list.append_fixed(block, 4);
  CHECK(list.uniform_size() == 4);
  CHECK(list.listed_ends().empty());
  REQUIRE(list.size() == 3);
  CHECK(list[0] == "aaaa");
  CHECK(list[2] == "cccc");
  CHECK(list.all_of_size(4));
  CHECK_FALSE(list.all_of_size(3));
  CHECK(list == pushed({"aaaa", "bbbb", "cccc"}));
  CHECK_FALSE(list == pushed({"aaaabbbb", "cccc"}));  // same bytes, other items
  std::vector<std::uint32_t> scratch;
  CHECK(list.ends(scratch) == std::vector<std::uint32_t>{4, 8, 12});

  list.append_fixed("dddd", 4);  // the same size: still a count
  CHECK(list.uniform_size() == 4);
  CHECK(list.size() == 4);
  CHECK(list[3] == "dddd");
}

TEST_CASE("item list: an item of another size turns a block into a list of ends", "[sdk]") {
  ItemList list;
  list.append_fixed("aaaabbbb", 4);
  list.push_back("longer");
  CHECK(list.uniform_size() == 0);
  CHECK(list == pushed({"aaaa", "bbbb", "longer"}));
  CHECK_FALSE(list.all_of_size(4));

  ItemList blocks;
  blocks.append_fixed("aaaabbbb", 4);
  blocks.append_fixed("cc", 2);
  CHECK(blocks == pushed({"aaaa", "bbbb", "cc"}));

  ItemList sealed;
  sealed.append_fixed("xy", 1);
  sealed.buffer() += "zzz";
  sealed.seal_at(5);
  CHECK(sealed == pushed({"x", "y", "zzz"}));
}

TEST_CASE("item list: cleared or adopted, a list forgets its former shape", "[sdk]") {
  ItemList list;
  list.append_fixed("aaaabbbb", 4);
  std::string buffer = list.take_buffer();
  CHECK(list.empty());
  CHECK(list.uniform_size() == 0);
  list.push_back("z");
  CHECK(list == pushed({"z"}));

  ItemList adopted;
  adopted.adopt_uniform("HEADaaaabbbb", 4, 4, 2);
  CHECK(adopted == pushed({"aaaa", "bbbb"}));
  adopted.adopt("HEADxyz", 4, {1, 3});
  CHECK(adopted == pushed({"x", "yz"}));
  adopted.adopt_uniform("HEAD", 4, 4, 0);
  CHECK(adopted.empty());
  CHECK(adopted.uniform_size() == 0);

  ItemList none;
  none.append_fixed("", 8);  // no items: nothing changes
  CHECK(none.empty());
  CHECK(none.uniform_size() == 0);
}

TEST_CASE("item list: appending a list keeps every item, whatever the shapes", "[sdk]") {
  ItemList uniform;
  uniform.append_fixed("aabb", 2);
  ItemList same;
  same.append_fixed("cc", 2);
  uniform.append(same);  // one size meets the same size: still a count
  CHECK(uniform.uniform_size() == 2);
  CHECK(uniform == pushed({"aa", "bb", "cc"}));

  uniform.append(pushed({"ddd", ""}));  // a list of ends joins: the count becomes ends
  CHECK(uniform.uniform_size() == 0);
  CHECK(uniform == pushed({"aa", "bb", "cc", "ddd", ""}));

  ItemList listed = pushed({"x"});
  listed.append(same);
  listed.append(ItemList{});
  CHECK(listed == pushed({"x", "cc"}));

  ItemList empty;
  empty.append(pushed({"yy", "z"}));
  CHECK(empty == pushed({"yy", "z"}));
}

TEST_CASE("item list: bytes appended within spare() stay where they are", "[sdk]") {
  ItemList list = pushed({"first"});
  list.reserve_bytes(64);
  REQUIRE(list.spare() >= 64);
  const char* where = list[0].data();
  for (int i = 0; i < 8; ++i) list.append(pushed({"12345678"}));
  CHECK(list[0].data() == where);
  CHECK(list.size() == 9);
  CHECK(list[8] == "12345678");
}
