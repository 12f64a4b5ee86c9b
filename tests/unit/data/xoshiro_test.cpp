// The shared generator: its stream is pinned, since the sample data and every mask are drawn from it.
#include "data/xoshiro.hpp"

#include <catch2/catch.hpp>

TEST_CASE("xoshiro draws the pinned xoshiro256** stream from a splitmix64 seeding", "[xoshiro]") {
  atn::xoshiro a(7), b(7), c(8);
  CHECK(a.next() == 12923355070828475994ULL);
  CHECK(a.next() == 5142052590334782674ULL);
  CHECK(a.next() == 15488392906492639638ULL);
  CHECK(atn::xoshiro(0).next() == 11091344671253066420ULL);
  for (int i = 0; i < 3; ++i) b.next();
  CHECK(a.next() == b.next());  // equal seeds, equal sequences
  CHECK(c.next() != atn::xoshiro(7).next());
  std::uint64_t x = 5;
  CHECK(atn::xoshiro::splitmix64(x) == 7134611160154358618ULL);
  CHECK(x == 5 + 0x9e3779b97f4a7c15ULL);  // the step advanced the state
}
