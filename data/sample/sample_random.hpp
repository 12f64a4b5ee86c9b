// A small seeded random source whose output is the same on every platform and standard library.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace atn {

/// xoshiro256** seeded through splitmix64. The std:: distributions differ between standard
/// libraries, so every draw here is plain integer arithmetic: a seed gives the same sequence
/// everywhere, which is what makes the sample data byte-identical across machines.
class sample_random {
 public:
  /// Seeds the generator; equal seeds give equal sequences.
  explicit sample_random(std::uint64_t seed);

  /// A seed for an independent stream, derived from `seed` and two stream coordinates.
  static std::uint64_t derive(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);

  /// The next 64 random bits.
  std::uint64_t next();

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

 private:
  std::uint64_t s_[4];
};

}  // namespace atn
