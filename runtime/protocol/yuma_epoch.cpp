#include "runtime/protocol/yuma_epoch.hpp"

#include <cmath>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>

// Step by step as subtensor pallets/subtensor/src/epoch/run_epoch.rs (`epoch_dense_mechanism`,
// classic branch) and epoch/math.rs, with these simplifications of chain state: every uid is active
// (no activity cutoff), every uid with stake holds a validator permit, nothing is outdated or
// recently registered, there is no stake threshold and no subnet owner exemption.

namespace atn {

namespace {

using vec = std::vector<double>;

double sum(const vec& x) {
  double s = 0.0;
  for (double v : x) s += v;
  return s;
}

// Sum to 1, or leave as is when the sum is 0 (math.rs inplace_normalize).
void normalize(vec& x) {
  const double s = sum(x);
  if (s == 0.0) return;
  for (double& v : x) v /= s;
}

void row_normalize(yuma_matrix& m) {
  for (vec& row : m) {
    const double s = sum(row);
    if (s > 0.0)
      for (double& v : row) v /= s;
  }
}

void col_normalize(yuma_matrix& m, std::size_t cols) {
  vec sums(cols, 0.0);
  for (const vec& row : m)
    for (std::size_t j = 0; j < cols; ++j) sums[j] += row[j];
  for (vec& row : m)
    for (std::size_t j = 0; j < cols; ++j)
      if (sums[j] != 0.0) row[j] /= sums[j];
}

void col_max_upscale(yuma_matrix& m, std::size_t cols) {
  vec maxes(cols, 0.0);
  for (const vec& row : m)
    for (std::size_t j = 0; j < cols; ++j)
      if (maxes[j] < row[j]) maxes[j] = row[j];
  for (vec& row : m)
    for (std::size_t j = 0; j < cols; ++j)
      if (maxes[j] != 0.0) row[j] /= maxes[j];
}

// result_j = sum_i vector_i * m_ij (math.rs matmul).
vec stake_weighted_col_sums(const yuma_matrix& m, const vec& weight, std::size_t cols) {
  vec out(cols, 0.0);
  for (std::size_t i = 0; i < m.size(); ++i)
    for (std::size_t j = 0; j < cols; ++j) out[j] += weight[i] * m[i][j];
  return out;
}

// subtensor's weighted_median: pivot search over a partition of [0, stake_sum]. Kept step for step
// (pivot choice, strict/non-strict comparisons) so ties and exact boundaries resolve the same way.
double weighted_median(const vec& stake, const vec& score, double minority, double stake_sum) {
  std::vector<std::size_t> part(stake.size());
  for (std::size_t i = 0; i < part.size(); ++i) part[i] = i;
  double lo = 0.0;
  double hi = stake_sum;
  std::vector<std::size_t> lower;
  std::vector<std::size_t> upper;
  const std::size_t limit = part.size();
  for (std::size_t iteration = 0; iteration <= limit; ++iteration) {
    if (part.empty()) return 0.0;
    if (part.size() == 1) return score[part[0]];
    const double pivot = score[part[part.size() / 2]];
    double lo_stake = 0.0;
    double hi_stake = 0.0;
    lower.clear();
    upper.clear();
    for (std::size_t idx : part) {
      if (score[idx] == pivot) continue;
      if (score[idx] < pivot) {
        lo_stake += stake[idx];
        lower.push_back(idx);
      } else {
        hi_stake += stake[idx];
        upper.push_back(idx);
      }
    }
    if (minority < lo + lo_stake && !lower.empty()) {
      hi = lo + lo_stake;
      part.swap(lower);
    } else if (hi - hi_stake <= minority && !upper.empty()) {
      lo = hi - hi_stake;
      part.swap(upper);
    } else {
      return pivot;
    }
  }
  return 0.0;  // subtensor's safety limit; each step shrinks the partition, so never reached
}

std::string format_value(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

void check_value(double v, const std::string& field) {
  if (!std::isfinite(v) || v < 0.0)
    throw std::invalid_argument(field + " is " + format_value(v) + ": must be a finite, non-negative number");
}

void check_fraction(double v, const char* field) {
  if (!std::isfinite(v) || v < 0.0 || v > 1.0)
    throw std::invalid_argument(std::string(field) + " is " + format_value(v) + ": must be a number in [0, 1]");
}

void check_square(const yuma_matrix& m, std::size_t n, const char* field) {
  if (m.size() != n)
    throw std::invalid_argument(std::string(field) + " has " + std::to_string(m.size()) + " rows, expected " +
                                std::to_string(n) + " (one per stake entry)");
  for (std::size_t i = 0; i < n; ++i) {
    const std::string row = std::string(field) + "[" + std::to_string(i) + "]";
    if (m[i].size() != n)
      throw std::invalid_argument(row + " has " + std::to_string(m[i].size()) + " entries, expected " +
                                  std::to_string(n) + " (one per stake entry)");
    for (std::size_t j = 0; j < n; ++j) check_value(m[i][j], row + "[" + std::to_string(j) + "]");
  }
}

// Each value may be finite while their sum is not (1e308 + 1e308): normalising by an infinite sum
// turns every entry into 0 and the epoch into silent zeros, so a sum that overflows is an error.
void check_sum(const vec& values, const std::string& field) {
  if (!std::isfinite(sum(values)))
    throw std::invalid_argument(field + " sums past the largest double (overflow): scale the values down");
}

void check_sums(const yuma_matrix& m, const char* field) {
  const std::size_t n = m.size();
  vec column(n);
  for (std::size_t i = 0; i < n; ++i) check_sum(m[i], std::string(field) + "[" + std::to_string(i) + "]");
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t i = 0; i < n; ++i) column[i] = m[i][j];
    check_sum(column, std::string(field) + "[*][" + std::to_string(j) + "]");
  }
}

}  // namespace

void validate_yuma_input(const yuma_input& in) {
  const std::size_t n = in.stake.size();
  for (std::size_t i = 0; i < n; ++i) check_value(in.stake[i], "stake[" + std::to_string(i) + "]");
  check_square(in.weights, n, "weights");
  if (!in.bonds.empty()) check_square(in.bonds, n, "bonds");
  check_sum(in.stake, "stake");
  check_sums(in.weights, "weights");
  if (!in.bonds.empty()) check_sums(in.bonds, "bonds");
  check_fraction(in.kappa, "kappa");
  check_fraction(in.bonds_moving_average, "bonds_moving_average");
  check_fraction(in.bonds_penalty, "bonds_penalty");
}

std::vector<double> stake_weighted_median_col(const std::vector<double>& stake, const yuma_matrix& score,
                                              double kappa) {
  const std::size_t cols = score.empty() ? 0 : score.front().size();
  vec median(cols, 0.0);
  // Only rows with stake vote; their stake is renormalised per column as in subtensor.
  vec use_stake;
  for (std::size_t i = 0; i < stake.size() && i < score.size(); ++i)
    if (stake[i] > 0.0) use_stake.push_back(stake[i]);
  if (use_stake.empty()) return median;
  normalize(use_stake);
  const double stake_sum = sum(use_stake);
  const double minority = stake_sum - kappa;
  vec use_score(use_stake.size());
  for (std::size_t c = 0; c < cols; ++c) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < stake.size() && i < score.size(); ++i)
      if (stake[i] > 0.0) use_score[k++] = score[i][c];
    median[c] = weighted_median(use_stake, use_score, minority, stake_sum);
  }
  return median;
}

yuma_output run_yuma_epoch(const yuma_input& in) {
  validate_yuma_input(in);
  const std::size_t n = in.stake.size();
  yuma_output out;

  // Stake, normalised. Permits: every uid with stake. Active stake = stake of permitted, active
  // uids, renormalised; with everyone active and permitted by stake it equals the stake.
  vec stake = in.stake;
  normalize(stake);
  std::vector<bool> validator(n);
  for (std::size_t i = 0; i < n; ++i) validator[i] = stake[i] > 0.0;
  vec active_stake = stake;
  for (std::size_t i = 0; i < n; ++i)
    if (!validator[i]) active_stake[i] = 0.0;
  normalize(active_stake);

  // Weights: only validators' rows, no self-weight, rows normalised.
  yuma_matrix weights = in.weights;
  for (std::size_t i = 0; i < n; ++i) {
    if (!validator[i]) weights[i].assign(n, 0.0);
    weights[i][i] = 0.0;
  }
  row_normalize(weights);

  // Consensus and clipping.
  out.consensus = stake_weighted_median_col(active_stake, weights, in.kappa);
  out.clipped_weights = weights;
  for (vec& row : out.clipped_weights)
    for (std::size_t j = 0; j < n; ++j)
      if (row[j] > out.consensus[j]) row[j] = out.consensus[j];
  out.validator_trust.resize(n);
  for (std::size_t i = 0; i < n; ++i) out.validator_trust[i] = sum(out.clipped_weights[i]);

  // Ranks, trust, incentive.
  const vec preranks = stake_weighted_col_sums(weights, active_stake, n);
  out.rank = stake_weighted_col_sums(out.clipped_weights, active_stake, n);
  out.trust.resize(n);
  for (std::size_t j = 0; j < n; ++j) out.trust[j] = preranks[j] == 0.0 ? 0.0 : out.rank[j] / preranks[j];
  out.incentive = out.rank;
  normalize(out.incentive);

  // Bonds: weights for bonds interpolate raw -> clipped by the penalty (exact at 0 and 1).
  yuma_matrix bonds_weights;
  if (in.bonds_penalty == 0.0) {
    bonds_weights = weights;
  } else if (in.bonds_penalty == 1.0) {
    bonds_weights = out.clipped_weights;
  } else {
    bonds_weights = weights;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        bonds_weights[i][j] += in.bonds_penalty * (out.clipped_weights[i][j] - weights[i][j]);
  }
  yuma_matrix old_bonds = in.bonds.empty() ? yuma_matrix(n, vec(n, 0.0)) : in.bonds;
  col_normalize(old_bonds, n);
  // ΔB = W ∘ S (row-scaled by active stake), column-normalised.
  yuma_matrix delta = bonds_weights;
  for (std::size_t i = 0; i < n; ++i)
    for (double& v : delta[i]) v *= active_stake[i];
  col_normalize(delta, n);
  const double alpha = 1.0 - in.bonds_moving_average;
  out.ema_bonds = yuma_matrix(n, vec(n, 0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) out.ema_bonds[i][j] = alpha * delta[i][j] + (1.0 - alpha) * old_bonds[i][j];
  col_normalize(out.ema_bonds, n);

  // Dividends: d_i = sum_j B_ij * incentive_j, normalised.
  out.dividends.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) out.dividends[i] += out.ema_bonds[i][j] * out.incentive[j];
  normalize(out.dividends);

  out.bonds = out.ema_bonds;
  col_max_upscale(out.bonds, n);

  // Emission of 1.0 per epoch, split over incentive + dividends (half each when both are non-zero).
  const double emission_sum = sum(out.incentive) + sum(out.dividends);
  out.server_emission = out.incentive;
  out.validator_emission = out.dividends;
  if (emission_sum != 0.0) {
    for (double& v : out.server_emission) v /= emission_sum;
    for (double& v : out.validator_emission) v /= emission_sum;
  } else {
    // No usable weight (none set, only self-weights, or no consensus): validators are paid by
    // stake. subtensor falls back to raw stake when active stake is zero; here they coincide.
    out.validator_emission = active_stake;
  }
  return out;
}

}  // namespace atn
