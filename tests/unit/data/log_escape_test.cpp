#include "data/log_escape.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace atn;

TEST_CASE("log_escape keeps printable ASCII and escapes everything that could forge or recolour a line",
          "[log_escape]") {
  CHECK(log_escape("solver-1 round 3") == "solver-1 round 3");
  CHECK(log_escape("a\nb") == "a\\nb");
  CHECK(log_escape("a\r\tb") == "a\\r\\tb");
  CHECK(log_escape("\x1b[31mred") == "\\x1b[31mred");
  CHECK(log_escape(std::string("nul\0byte", 8)) == "nul\\x00byte");
  CHECK(log_escape("\x7f") == "\\x7f");
  CHECK(log_escape("\xc3\xa9") == "\\xc3\\xa9");
  CHECK(log_escape("back\\slash") == "back\\\\slash");  // a literal "\n" stays distinguishable
}
