#include "data/sample/sample_random.hpp"

namespace atn {

std::uint64_t sample_random::derive(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  std::uint64_t state = seed;
  std::uint64_t h = splitmix64(state);
  state = h ^ (a * 0xd6e8feb86659fd93ULL);
  h = splitmix64(state);
  state = h ^ (b * 0xa0761d6478bd642fULL);
  return splitmix64(state);
}

std::uint64_t sample_random::below(std::uint64_t n) {
  if (n == 0) throw std::logic_error("sample_random::below(0)");
  // Rejection keeps the draw unbiased: discard the incomplete top bucket.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
  std::uint64_t x;
  do x = next();
  while (x >= limit);
  return x % n;
}

std::int64_t sample_random::between(std::int64_t lo, std::int64_t hi) {
  if (hi < lo) throw std::logic_error("sample_random::between with hi < lo");
  return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
}

bool sample_random::percent(int percent) { return static_cast<int>(below(100)) < percent; }

}  // namespace atn
