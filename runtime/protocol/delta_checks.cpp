#include "runtime/protocol/delta_checks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace atn {
namespace {

constexpr std::size_t lanes = 4;

// Σab, Σaa, Σbb in double over four fixed lanes: vectorizable and the same sum on every machine.
void dot3(const float* a, const float* b, std::size_t n, double& ab, double& aa, double& bb) {
  double sab[lanes] = {}, saa[lanes] = {}, sbb[lanes] = {};
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    for (std::size_t l = 0; l < lanes; ++l) {
      const double x = a[i + l], y = b[i + l];
      sab[l] += x * y;
      saa[l] += x * x;
      sbb[l] += y * y;
    }
  for (; i < n; ++i) {
    const double x = a[i], y = b[i];
    sab[0] += x * y;
    saa[0] += x * x;
    sbb[0] += y * y;
  }
  for (std::size_t l = 0; l < lanes; ++l) {
    ab += sab[l];
    aa += saa[l];
    bb += sbb[l];
  }
}

double sum_of_squares(const float* a, std::size_t n) {
  double s[lanes] = {};
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    for (std::size_t l = 0; l < lanes; ++l) s[l] += static_cast<double>(a[i + l]) * a[i + l];
  for (; i < n; ++i) s[0] += static_cast<double>(a[i]) * a[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

double l2_norm(const named_tensors& tensors) {
  double sum = 0;
  for (const auto& t : tensors) sum += sum_of_squares(t.data->data(), t.data->size());
  return std::sqrt(sum);
}

double cosine(const named_tensors& a, const named_tensors& b) {
  require_same_layout(a, b, "cosine");
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) dot3(a[i].data->data(), b[i].data->data(), a[i].data->size(), ab, aa, bb);
  if (aa == 0 || bb == 0) return 0;
  // Rounding can put |cos| a hair above 1 for parallel vectors.
  return std::clamp(ab / (std::sqrt(aa) * std::sqrt(bb)), -1.0, 1.0);
}

double fltrust_score(double cos) { return std::isnan(cos) ? 0.0 : std::max(0.0, cos); }

delta_verdict check_layout(const named_tensors& delta, const named_tensors& expected) {
  try {
    require_same_layout(expected, delta, "layout");
  } catch (const std::invalid_argument& e) {
    return delta_verdict::reject(reject_reason::layout_mismatch, e.what());
  }
  return delta_verdict::accept();
}

delta_verdict check_finite(const named_tensors& delta) {
  for (const auto& t : delta)
    for (float v : *t.data)
      if (!std::isfinite(v))
        return delta_verdict::reject(reject_reason::non_finite, "tensor '" + t.name + "' has NaN or Inf");
  return delta_verdict::accept();
}

delta_assessment assess_delta(const named_tensors& delta, const named_tensors& reference) {
  delta_assessment a;
  a.verdict = check_layout(delta, reference);
  if (a.verdict.accepted) a.verdict = check_finite(delta);
  if (!a.verdict.accepted) return a;
  a.norm = l2_norm(delta);
  a.cosine = cosine(delta, reference);
  a.trust = fltrust_score(a.cosine);
  return a;
}

norm_rule_summary apply_norm_rule(std::vector<delta_assessment>& round, double reference_norm,
                                  const norm_rule_options& options) {
  norm_rule_summary s;
  s.cap = options.reference_cap > 0 && reference_norm > 0 ? options.reference_cap * reference_norm
                                                          : std::numeric_limits<double>::infinity();
  std::vector<double> norms;
  for (const auto& a : round)
    if (a.verdict.accepted) norms.push_back(a.norm);
  if (norms.empty()) {
    s.threshold = std::numeric_limits<double>::infinity();
    return s;
  }
  s.median = median_of(norms);
  std::vector<double> deviations;
  for (double n : norms) deviations.push_back(std::fabs(n - s.median));
  s.mad = median_of(std::move(deviations));
  const double spread = std::max(s.mad, options.mad_floor * s.median);
  s.threshold = s.median + options.k * 1.4826 * spread;

  for (auto& a : round) {
    if (!a.verdict.accepted) continue;
    if (a.norm > s.cap) {
      a.verdict =
          delta_verdict::reject(reject_reason::norm_cap, "norm " + std::to_string(a.norm) + " exceeds " +
                                                             std::to_string(options.reference_cap) +
                                                             " x the reference norm " + std::to_string(reference_norm));
    } else if (a.norm > s.threshold) {
      a.verdict = delta_verdict::reject(reject_reason::norm_outlier,
                                        "norm " + std::to_string(a.norm) + " exceeds median " +
                                            std::to_string(s.median) + " + " + std::to_string(options.k) +
                                            " robust deviations (" + std::to_string(s.threshold) + ")");
    } else {
      continue;
    }
    a.trust = 0;
    ++s.flagged;
  }
  return s;
}

}  // namespace atn
