// The maskers' draws on the shared generator (data/xoshiro.hpp). Masks must be identical on every
// node and every standard library, so no std:: distributions: their output is implementation-defined.
#pragma once

#include "data/xoshiro.hpp"

#include <cstdint>
#include <utility>

namespace atn {

/// The shared generator (data/xoshiro.hpp) plus the few unbiased draws the maskers need.
/// The same seed gives the same sequence on every platform.
class rng : public xoshiro {
 public:
  using xoshiro::xoshiro;

  /// A seed for stream `index` derived from `seed` (e.g. one stream per sample of a batch), so a
  /// sample's draws do not depend on how many draws the samples before it made.
  static std::uint64_t derive(std::uint64_t seed, std::uint64_t index) {
    std::uint64_t x = seed ^ (0xd1b54a32d192ed03ULL * (index + 1));
    splitmix64(x);
    return splitmix64(x);
  }

  /// Uniform in [0, n); 0 when n is 0. Unbiased (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) return 0;
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// Uniform integer in [lo, hi] (inclusive); lo when hi < lo.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform double in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Fisher–Yates shuffle of [first, last) (random-access iterators).
  template <class It>
  void shuffle(It first, It last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) {
      using std::swap;
      swap(first[i - 1], first[below(i)]);
    }
  }
};

}  // namespace atn
