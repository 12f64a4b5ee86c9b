// What a coordinator checks on a revealed delta besides its held-out loss (which needs the model):
// layout, finiteness, norm, cosine against its own reference update, and a norm-outlier rule over
// one round's deltas. Torch-free, so in runtime/ (see delta_aggregator.hpp).
#pragma once

#include "messages/reject_reason.hpp"
#include "model/named_tensors.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace atn {

/// √Σx², accumulated in double.
double l2_norm(const named_tensors& tensors);

/// ⟨a, b⟩ / (‖a‖‖b‖), accumulated in double; 0 when either norm is 0. Throws std::invalid_argument
/// (naming the tensor) when the layouts differ.
double cosine(const named_tensors& a, const named_tensors& b);

/// FLTrust's trust score: max(0, cos) — a delta pointing away from the reference earns nothing.
double fltrust_score(double cos);

/// A check's outcome: accepted, or rejected with a machine-readable reason and a human detail.
struct delta_verdict {
  bool accepted = true;
  /// When rejected: layout_mismatch, non_finite, norm_outlier or norm_cap (unread when accepted).
  reject_reason reason = reject_reason::malformed;
  std::string detail;

  static delta_verdict accept() { return {}; }
  static delta_verdict reject(reject_reason reason, std::string detail) { return {false, reason, std::move(detail)}; }
};

/// Rejects layout_mismatch when `delta`'s names or shapes differ from `expected` (detail names
/// the tensor, from require_same_layout).
delta_verdict check_layout(const named_tensors& delta, const named_tensors& expected);

/// Rejects non_finite when any value is NaN or infinite (detail names the first such tensor).
delta_verdict check_finite(const named_tensors& delta);

/// One revealed delta measured against the coordinator's reference update.
struct delta_assessment {
  delta_verdict verdict;
  double norm = 0;    ///< ‖Δ‖ (0 when rejected before it was measured)
  double cosine = 0;  ///< cos(Δ, reference)
  double trust = 0;   ///< fltrust_score(cosine); 0 when rejected
};

/// Layout (against the reference), then finiteness, then norm, cosine and trust.
delta_assessment assess_delta(const named_tensors& delta, const named_tensors& reference);

/// The norm-outlier rule over one round's deltas.
struct norm_rule_options {
  /// Flag norm > median + k · 1.4826 · MAD (robust z-score above k).
  double k = 3.0;
  /// The MAD used is at least this fraction of the median norm, so near-identical norms do not
  /// flag each other (with the defaults nothing under 1.44 × the median is flagged).
  double mad_floor = 0.1;
  /// Also flag norm > cap × ‖reference‖, whatever the others did; ≤ 0 disables.
  double reference_cap = 5.0;
};

/// The statistics the rule used, for logs and tests.
struct norm_rule_summary {
  double median = 0;
  double mad = 0;        ///< median absolute deviation, before the floor
  double threshold = 0;  ///< median + k · 1.4826 · max(MAD, floor · median)
  double cap = 0;        ///< reference_cap · ‖reference‖, or +∞ when disabled
  std::size_t flagged = 0;
};

/// Applies the rule to the assessments still accepted (rejected ones take no part in the
/// statistics) and rejects outliers in place with "norm_cap" or "norm_outlier".
norm_rule_summary apply_norm_rule(std::vector<delta_assessment>& round, double reference_norm,
                                  const norm_rule_options& options = {});

}  // namespace atn
