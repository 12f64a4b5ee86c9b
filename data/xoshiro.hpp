// The seeded generator of atn-node: xoshiro256** seeded through splitmix64, whose output is the
// same on every platform and standard library (the std:: engines are, the std:: distributions are
// not). Its users add the draws they need on top: the sample data (data/sample/sample_random.hpp)
// and the maskers (model/rng.hpp); each keeps its own draws because its stream is pinned.
#pragma once

#include <cstdint>

namespace atn {

/// xoshiro256** (Blackman and Vigna); equal seeds give equal sequences.
class xoshiro {
 public:
  /// Seeds the four state words from `seed` through splitmix64 (any seed, 0 included, is fine).
  explicit xoshiro(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : state_) word = splitmix64(x);
  }

  /// One splitmix64 step: advances `x` and returns the next output.
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// The next 64 random bits.
  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::uint64_t state_[4];
};

}  // namespace atn
