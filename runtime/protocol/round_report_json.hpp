// The round report as JSON: the one schema the node writes (one object per line on stdout, for the
// simulation) and the simulation reads back. Field names are the round_report's; a loss or cosine of
// -1 (no evaluator) is written as -1, a non-finite one as null and read back as -1.
#pragma once

#include "messages/parse_result.hpp"
#include "runtime/protocol/round_options.hpp"

#include <nlohmann/json_fwd.hpp>

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

}  // namespace atn
