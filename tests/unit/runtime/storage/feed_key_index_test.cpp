#include "runtime/storage/feed_key_index.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using atn::feed_key_index;

TEST_CASE("feed key index: holds keys until their records are dropped", "[feed_key_index]") {
  feed_key_index index;
  for (std::uint64_t s = 1; s <= 100; ++s)
    index.add("key-" + std::to_string(s) + std::string(s % 40, 'x'), s, 1000 + s);
  CHECK(index.size() == 100);
  CHECK(index.contains("key-1x"));
  CHECK_FALSE(index.contains("key-1"));
  CHECK(index.first_stored_since(1050, 101) == 50);
  CHECK(index.first_stored_since(5000, 101) == 101);

  CHECK(index.forget_before(41) == 40);
  CHECK(index.size() == 60);
  CHECK_FALSE(index.contains("key-40" + std::string(0, 'x')));
  CHECK(index.contains("key-41x"));
  CHECK(index.first_stored_since(0, 101) == 41);
  CHECK_THROWS_AS(index.add("late", 100, 0), std::logic_error);
}

TEST_CASE("feed key index: a repeated key stays held by its newer record", "[feed_key_index]") {
  feed_key_index index;
  index.add("a", 1, 0);
  index.add("b", 2, 0);
  index.add("a", 3, 0);
  CHECK(index.size() == 2);
  CHECK(index.forget_before(2) == 0);  // record 1's key lives on in record 3
  CHECK(index.contains("a"));
  CHECK(index.forget_before(4) == 2);
  CHECK(index.size() == 0);
}
