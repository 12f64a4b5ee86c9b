#include "runtime/adversary/delta_attack.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace atn;

namespace {
named_tensors one_delta() {
  return {named_tensor{"w", {4}, std::make_shared<const std::vector<float>>(std::vector<float>{1.f, -2.f, 3.f, 0.5f})}};
}
const std::vector<float>& values(const named_tensors& t) { return *t.at(0).data; }
}  // namespace

TEST_CASE("delta attacks: names parse, and a bad name is named in the error", "[adversary]") {
  CHECK(parse_delta_attack("none") == delta_attack::none);
  CHECK(parse_delta_attack("scale") == delta_attack::scale);
  CHECK(parse_delta_attack("little") == delta_attack::little);
  CHECK_THROWS_WITH(parse_delta_attack("meteor"), Catch::Contains("meteor"));
}

TEST_CASE("delta attacks: each corrupts the delta as documented", "[adversary]") {
  auto d = one_delta();
  CHECK(values(apply_attack(d, delta_attack::none, 1)) == values(d));
  const auto scaled = values(apply_attack(d, delta_attack::scale, 1));
  const auto flipped = values(apply_attack(d, delta_attack::signflip, 1));
  const auto little = values(apply_attack(d, delta_attack::little, 1));
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(scaled[i] == 20.f * values(d)[i]);
    CHECK(flipped[i] == -values(d)[i]);
    CHECK(little[i] == -0.25f * values(d)[i]);
  }
  const auto noise = values(apply_attack(d, delta_attack::random, 7));
  CHECK(noise == values(apply_attack(d, delta_attack::random, 7)));  // the same seed, the same noise
  CHECK(noise != values(apply_attack(d, delta_attack::random, 8)));
}
