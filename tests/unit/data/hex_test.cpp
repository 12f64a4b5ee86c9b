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
