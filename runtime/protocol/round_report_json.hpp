// The aggregator's JSON lines: the round report (one object per line on stdout, for the simulation)
// and, after the last round, the parity line `{"parity": {...}}`; the network aggregator's line
// `{"network": {...}}` per round; one schema each, which the node
// writes and the simulation reads back. Field names are the structs'; a loss or cosine of -1 (not
// measured) is written as -1, a non-finite one as null and read back as -1.
#pragma once

#include "messages/parse_result.hpp"
#include "runtime/protocol/round_options.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace atn {

void to_json(nlohmann::json& j, const round_report& r);
/// Throws nlohmann::json::exception on a missing or mistyped field, std::invalid_argument on an
/// unknown reject reason; parse_round_report turns both into a refusal.
void from_json(const nlohmann::json& j, round_report& r);

/// One line of JSON, no newline.
std::string round_report_json(const round_report& r);

/// Reads one line round_report_json wrote; refuses text that is not such a report, saying why.
parse_result<round_report> parse_round_report(std::string_view line);

/// One node trained on the union of the federation's data for as many steps as all solvers together
/// (`node --parity-steps`), and its held-out loss, to set beside the federated model's.
struct parity_report {
  std::int64_t central_steps = 0;
  double central_loss = -1;
  double central_cosine = -1;
};

void to_json(nlohmann::json& j, const parity_report& p);
void from_json(const nlohmann::json& j, parity_report& p);

/// `{"parity": {...}}` on one line, no newline.
std::string parity_report_json(const parity_report& p);

/// Reads one line parity_report_json wrote; refuses any other line (a round report too), saying why.
parse_result<parity_report> parse_parity_report(std::string_view line);

/// The network aggregator's line per round, `{"network": {...}}`.
void to_json(nlohmann::json& j, const network_report& n);
void from_json(const nlohmann::json& j, network_report& n);
std::string network_report_json(const network_report& n);
/// Reads one line network_report_json wrote; refuses any other line, saying why.
parse_result<network_report> parse_network_report(std::string_view line);

}  // namespace atn
