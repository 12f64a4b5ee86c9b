// Yuma consensus: one epoch of subtensor's classic (non-Yuma-3, liquid-alpha-off) `epoch_dense`,
// computed in double precision instead of I32F32 fixed point.
#pragma once

#include <vector>

namespace atn {

/// A dense n x n matrix, row i = uid i.
using yuma_matrix = std::vector<std::vector<double>>;

/// The state one epoch reads. Every uid is both a possible validator (row) and server (column).
struct yuma_input {
  /// Stake per uid, any non-negative scale (normalised internally). Uids with stake are validators.
  std::vector<double> stake;
  /// weights[i][j]: weight validator i sets on uid j, any non-negative scale (rows are normalised;
  /// the diagonal and the rows of uids without stake are ignored). n rows of n entries.
  yuma_matrix weights;
  /// Bonds from the previous epoch (`yuma_output::bonds`), n x n; empty = no bonds yet. Only their
  /// column proportions matter, so max-upscaled and column-normalised forms give the same result.
  yuma_matrix bonds;
  /// Stake fraction that must support a weight for it to reach consensus (subtensor's default
  /// kappa 32767 as a fraction of u16::MAX).
  double kappa = 32767.0 / 65535.0;
  /// Bonds EMA memory in [0, 1]; the EMA step is alpha = 1 - bonds_moving_average.
  double bonds_moving_average = 0.9;
  /// In [0, 1]: 0 = bonds follow the raw weights, 1 = bonds follow the consensus-clipped weights.
  double bonds_penalty = 1.0;
};

/// Everything one epoch computes; every vector has one entry per uid.
struct yuma_output {
  /// Stake-weighted median (at kappa) of each column's weights.
  std::vector<double> consensus;
  /// Stake-weighted sum of clipped weights per uid, before normalisation (subtensor's "R (after)";
  /// subtensor stored the normalised copy, which is `incentive`).
  std::vector<double> rank;
  /// rank / (stake-weighted sum of unclipped weights); 0 where nothing was weighted.
  std::vector<double> trust;
  /// Normalised rank (sums to 1, or all 0).
  std::vector<double> incentive;
  /// Row sums of the clipped weights: how much of a validator's weight survived consensus.
  std::vector<double> validator_trust;
  /// Normalised bond-weighted incentive per validator (sums to 1, or all 0).
  std::vector<double> dividends;
  /// Share of a total emission of 1.0: incentive / (sum incentive + sum dividends).
  std::vector<double> server_emission;
  /// Share of a total emission of 1.0: dividends / (sum incentive + sum dividends); when nothing
  /// earns (no usable weight), the normalised stake instead.
  std::vector<double> validator_emission;
  /// Row-normalised weights clipped at consensus: min(w_ij, consensus_j).
  yuma_matrix clipped_weights;
  /// New bonds as subtensor stores them: EMA bonds max-upscaled per column (column max 1). Feed
  /// them back as `yuma_input::bonds` next epoch.
  yuma_matrix bonds;
  /// New EMA bonds, column-normalised (each non-empty column sums to 1): what dividends used.
  yuma_matrix ema_bonds;
};

/// Throws std::invalid_argument naming the offending field (e.g. "weights[2][5]") when shapes are
/// ragged or not n x n, or a value is NaN, infinite, negative, or (kappa, bonds_moving_average,
/// bonds_penalty) outside [0, 1], or when the stakes, a row or a column of weights or bonds sum
/// past the largest double (the normalised values would all be 0).
void validate_yuma_input(const yuma_input& in);

/// Runs one epoch. Validates first (see validate_yuma_input). An empty network gives empty output.
yuma_output run_yuma_epoch(const yuma_input& in);

/// Column-wise stake-weighted median as subtensor's `weighted_median_col`: for each column, over the
/// rows with positive stake (renormalised), the highest score w such that rows scoring at least w
/// hold at least a `kappa` fraction of that stake (same pivot search and ties as subtensor); 0 when
/// no row has stake. `score` has stake.size() rows of equal length.
std::vector<double> stake_weighted_median_col(const std::vector<double>& stake, const yuma_matrix& score, double kappa);

}  // namespace atn
