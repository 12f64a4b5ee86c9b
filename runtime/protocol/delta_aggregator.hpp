// Aggregation of a round's accepted deltas as they stream in: weighted FedAvg in place, or a robust
// rule (trimmed mean, coordinate median) over deltas spilled to disk.
//
// DESIGN.md puts aggregation kernels in model/; these need no torch, so they live in runtime/ and
// compile without the torch precompiled header.
#pragma once

#include "model/named_tensors.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// How the accepted deltas of a round become one update.
enum class aggregation_rule {
  fedavg,        ///< Σ wᵢΔᵢ / Σ wᵢ
  trimmed_mean,  ///< per coordinate, the mean after dropping the ⌊β·N⌋ lowest and highest values
  median,        ///< per coordinate, the median (mean of the two middle values when N is even)
};

/// "fedavg", "trimmed_mean" or "median".
std::string to_string(aggregation_rule rule);

/// Inverse of to_string; throws std::invalid_argument naming the text.
aggregation_rule parse_aggregation_rule(std::string_view text);

/// Settings of a delta_aggregator.
struct aggregator_options {
  aggregation_rule rule = aggregation_rule::fedavg;
  /// β: the fraction trimmed from each side by trimmed_mean, in [0, 0.5]; at least one value is kept.
  double trim_fraction = 0.1;
  /// Where trimmed_mean and median spill deltas (empty: the system temp directory). Must exist.
  std::filesystem::path spill_dir;
  /// Coordinates per chunk when a robust rule finishes: memory O(P + N·chunk_coordinates).
  std::size_t chunk_coordinates = 1 << 16;
};

/// Aggregates deltas of one layout as they arrive.
///
/// fedavg accumulates Σ (wᵢ/w₀)Δᵢ in one float32 buffer per tensor (memory O(P), not O(N·P); w₀ is
/// the first positive weight, so the first delta is a plain copy) and scales by w₀ / Σ wᵢ at finish. trimmed_mean and median need every value of a coordinate: each delta is
/// written to a spill file (its float32 values, tensor after tensor in canonical order) and finish()
/// computes coordinate by coordinate in chunks, then deletes the files.
///
/// Deltas must be accepted ones (delta_checks: right layout, finite values); the layout is checked
/// again here against the first delta. A delta with weight 0 is counted but contributes nothing.
/// The robust rules are unweighted: a positive weight only admits the delta.
///
/// Determinism: for a given arrival order (and weights) the result is bit-identical from run to
/// run and across machines running the same build — fedavg adds in arrival order in float32 with
/// no threading or reassociation; the robust rules sort each coordinate's values and sum the kept
/// ones in double in sorted order, so their result does not even depend on the arrival order.
class delta_aggregator {
 public:
  /// Throws std::invalid_argument for a trim fraction outside [0, 0.5] or a zero chunk.
  explicit delta_aggregator(aggregator_options options = {});
  /// Removes any spill files left behind by an unfinished aggregation.
  ~delta_aggregator();
  delta_aggregator(const delta_aggregator&) = delete;
  delta_aggregator& operator=(const delta_aggregator&) = delete;

  /// Adds one delta with weight ≥ 0 (the caller gives incentive × samples). Throws
  /// std::invalid_argument for a negative or non-finite weight or a layout that differs from the
  /// first delta's (naming the tensor); std::system_error when spilling fails; std::logic_error
  /// after finish().
  void add(const named_tensors& delta, double weight);

  /// The aggregate, in the deltas' canonical layout. Throws std::runtime_error when no delta was
  /// added or every weight was 0, or when the fedavg result is not finite; std::logic_error when
  /// called twice. Spill files are deleted whatever the outcome.
  named_tensors finish();

  /// Deltas added so far, weight-0 ones included.
  std::size_t count() const { return count_; }

  /// Deltas with a positive weight.
  std::size_t contributing() const { return contributing_; }

  /// Σ wᵢ so far.
  double total_weight() const { return total_weight_; }

  /// The spill files written and not yet deleted (empty for fedavg).
  const std::vector<std::filesystem::path>& spill_files() const { return spill_files_; }

  const aggregator_options& options() const { return options_; }

 private:
  struct tensor_layout {
    std::string name;
    std::vector<std::int64_t> shape;
    std::size_t size = 0;
  };

  void check_layout(const named_tensors& delta) const;
  void accumulate(const named_tensors& delta, double weight);
  void spill(const named_tensors& delta);
  named_tensors finish_fedavg();
  named_tensors finish_robust();
  void remove_spill_files() noexcept;

  aggregator_options options_;
  std::vector<tensor_layout> layout_;
  std::vector<std::vector<float>> sums_;  // fedavg: Σ (wᵢ/w₀)Δᵢ per tensor, empty until a positive weight
  double first_weight_ = 0;               // w₀, the first positive weight
  std::vector<std::filesystem::path> spill_files_;
  std::uint64_t instance_ = 0;  // makes spill file names unique within the process
  std::size_t count_ = 0;
  std::size_t contributing_ = 0;
  double total_weight_ = 0;
  bool finished_ = false;
};

}  // namespace atn
