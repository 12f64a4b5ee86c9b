// Byzantine solvers for simulations: how an attacking solver corrupts its delta. Simulation-only: the
// production solver knows nothing of attacks; `simulate` (through the node assembly) hands an attacking
// solver a corrupt_delta hook built from this.
#pragma once

#include "model/named_tensors.hpp"

#include <cstdint>
#include <string>

namespace atn {

/// How a Byzantine solver corrupts its delta (for simulations of attacks).
enum class delta_attack {
  none,
  random,    ///< Gaussian noise with the honest delta's norm
  scale,     ///< the honest delta times 20
  signflip,  ///< minus the honest delta
  little,    ///< "a little is enough": a small step against the honest direction (−0.25·Δ)
};

/// Inverse of the names above ("none", "random", ...); std::invalid_argument naming the text.
delta_attack parse_delta_attack(const std::string& text);

/// `delta` corrupted by `attack`; `seed` drives the random attack (the same seed, the same noise).
named_tensors apply_attack(const named_tensors& delta, delta_attack attack, std::uint64_t seed);

}  // namespace atn
