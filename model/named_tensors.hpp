// Torch-free named float tensors in a canonical order: weights, deltas and checkpoints as the rest
// of the node sees them, hashed with BLAKE2b-256 over canonical bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace atn {

/// One float32 tensor. The data buffer is shared and immutable once published.
struct named_tensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::shared_ptr<const std::vector<float>> data;

  std::int64_t numel() const;
};

/// Tensors sorted by name: the canonical order every node agrees on.
using named_tensors = std::vector<named_tensor>;

using digest256 = std::array<std::uint8_t, 32>;

/// Sorts by name and rejects duplicates or shape/size mismatches (std::invalid_argument naming it).
void canonicalize(named_tensors& tensors);

/// The canonical bytes: for each tensor, u32 name length, name, u32 rank, i64 dims, then the
/// float32 values, all little-endian. Two nodes with the same weights produce the same bytes.
std::vector<std::uint8_t> canonical_bytes(const named_tensors& tensors);

/// BLAKE2b-256 of the canonical bytes (streamed, without materialising them): the model version.
digest256 blake2b_256(const named_tensors& tensors);

/// BLAKE2b-256 of arbitrary bytes.
digest256 blake2b_256(const std::uint8_t* data, std::size_t size);

/// Lower-case hex of a digest.
std::string to_hex(const digest256& digest);

/// online − base, tensor by tensor; layouts must match (std::invalid_argument naming the tensor).
named_tensors subtract(const named_tensors& online, const named_tensors& base);

/// base + delta, tensor by tensor. Plain float32 adds in a fixed order: bit-identical on every node.
named_tensors add(const named_tensors& base, const named_tensors& delta);

/// Throws std::invalid_argument naming the first tensor whose name or shape differs.
void require_same_layout(const named_tensors& a, const named_tensors& b, const std::string& what);

/// Sum of squares of every value, in double.
double squared_norm(const named_tensors& tensors);

/// True when every value is finite.
bool all_finite(const named_tensors& tensors);

/// Total number of values.
std::int64_t total_numel(const named_tensors& tensors);

}  // namespace atn
