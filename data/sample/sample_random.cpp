#include "data/sample/sample_random.hpp"

namespace atn {

namespace {
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

sample_random::sample_random(std::uint64_t seed) {
  std::uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

std::uint64_t sample_random::derive(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  std::uint64_t state = seed;
  std::uint64_t h = splitmix64(state);
  state = h ^ (a * 0xd6e8feb86659fd93ULL);
  h = splitmix64(state);
  state = h ^ (b * 0xa0761d6478bd642fULL);
  return splitmix64(state);
}

std::uint64_t sample_random::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
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
