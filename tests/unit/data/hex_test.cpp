#include "data/hex.hpp"

#include <catch2/catch.hpp>

#include <array>

using namespace atn;

TEST_CASE("to_hex writes two lower-case digits per byte", "[hex]") {
  CHECK(to_hex(std::string_view{}).empty());
  CHECK(to_hex(std::string_view("\x00\x01\x7f\x80\xff", 5)) == "00017f80ff");
  CHECK(to_hex("abc") == "616263");
  const std::array<std::uint8_t, 4> bytes{0xde, 0xad, 0xbe, 0xef};
  CHECK(to_hex(bytes.data(), bytes.size()) == "deadbeef");
}

TEST_CASE("from_hex reads exactly 2 digits per byte, either case, and nothing else", "[hex]") {
  std::array<std::uint8_t, 4> out{};
  REQUIRE(from_hex("DEADbeef", out.data(), out.size()));
  CHECK(out == std::array<std::uint8_t, 4>{0xde, 0xad, 0xbe, 0xef});
  CHECK_FALSE(from_hex("deadbe", out.data(), out.size()));      // too short
  CHECK_FALSE(from_hex("deadbeef00", out.data(), out.size()));  // too long
  CHECK_FALSE(from_hex("deadbeeg", out.data(), out.size()));    // not a digit
  CHECK_FALSE(from_hex("dead:eef", out.data(), out.size()));    // no separators
}
