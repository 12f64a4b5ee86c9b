// JSON in and out for one Yuma epoch: the format of `atn-node yuma --in FILE.json`.
#pragma once

#include "runtime/protocol/yuma_epoch.hpp"

#include <iosfwd>
#include <string>
#include <string_view>

namespace atn {

/// Parses {"stake": [n], "weights": [[n] x n], "bonds": [[n] x n] (optional),
/// "kappa", "bonds_moving_average", "bonds_penalty" (optional numbers)} and validates it
/// (validate_yuma_input). Unknown or repeated keys are errors. Throws std::invalid_argument whose
/// message names the field, e.g. "weights[1][3]: expected a number".
yuma_input parse_yuma_input(std::string_view json);

/// Reads and parses a file ("-" = standard input); errors as parse_yuma_input, prefixed by the path.
yuma_input read_yuma_input_file(const std::string& path);

/// One JSON object, one line: consensus, rank, trust, incentive, validator_trust, dividends,
/// server_emission, validator_emission, clipped_weights, bonds, ema_bonds. Numbers use "%.17g", so
/// they read back to the same doubles.
std::string format_yuma_output(const yuma_output& out);

/// What `atn-node yuma --in PATH` does: reads PATH, runs the epoch and writes the result to `out`.
/// Returns 0, or 2 for bad input (unreadable file, bad JSON, bad field), after writing one line
/// naming the path and the field to `err`.
int run_yuma_json(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace atn
