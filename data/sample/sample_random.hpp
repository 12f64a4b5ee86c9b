// The sample data's draws on the shared generator (data/xoshiro.hpp): output that is the same on
// every platform and standard library.
#pragma once

#include "data/xoshiro.hpp"

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace atn {

/// The shared generator plus the sample data's draws. The std:: distributions differ between
/// standard libraries, so every draw here is plain integer arithmetic: a seed gives the same sequence
/// everywhere, which is what makes the sample data byte-identical across machines. (The maskers'
/// draws, model/rng.hpp, differ: each stream is pinned, so neither can take the other's.)
class sample_random : public xoshiro {
 public:
  /// Seeds the generator; equal seeds give equal sequences.
  using xoshiro::xoshiro;

  /// A seed for an independent stream, derived from `seed` and two stream coordinates.
  static std::uint64_t derive(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);

  /// Uniform in [0, n); n must be positive.
  std::uint64_t below(std::uint64_t n);

  /// Uniform in [lo, hi], both included; lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi);

  /// True with probability percent / 100.
  bool percent(int percent);

  /// A uniformly chosen element of a non-empty vector.
  template <class T>
  const T& pick(const std::vector<T>& items) {
    if (items.empty()) throw std::logic_error("sample_random::pick from an empty list");
    return items[static_cast<std::size_t>(below(items.size()))];
  }

  /// Fisher-Yates shuffle driven by this generator.
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }
};

}  // namespace atn
