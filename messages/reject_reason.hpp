// Why a commit, reveal or score vector was refused: the one vocabulary every role records, reports,
// traces, journals and replays. The text of each reason (to_string) is what travels on the wire and
// sits in stored traces and scripts, so it must not change.
#pragma once

#include "messages/parse_result.hpp"

#include <string_view>

namespace atn {

enum class reject_reason {
  unknown_sender,       ///< not a participant of this kind
  duplicate_commit,     ///< a second commitment
  late_commit,          ///< after the commit phase closed
  early_reveal,         ///< before the commit phase closed
  late_reveal,          ///< after the reveal phase closed
  no_commitment,        ///< nothing committed (in time)
  commitment_mismatch,  ///< reveal ≠ commitment
  duplicate_reveal,     ///< a second reveal
  wrong_round,          ///< another round or jurisdiction
  malformed,            ///< fields missing or mistyped
  layout_mismatch,      ///< tensors not the model's layout
  non_finite,           ///< NaN or Inf in a delta or score
  missing,              ///< committed but never revealed
  norm_outlier,         ///< a delta norm above median + 3·1.4826·MAD
  norm_cap,             ///< a delta norm over 5× the reference norm
  loss_increase,        ///< held-out loss more than the tolerance above the global model's
  no_incentive,         ///< the coordinators' consensus gave it no weight
  error,                ///< the aggregator failed on it (an exception, named in the detail)
};

/// Every reason, in declaration order (for tests and tables).
inline constexpr reject_reason all_reject_reasons[] = {
    reject_reason::unknown_sender,
    reject_reason::duplicate_commit,
    reject_reason::late_commit,
    reject_reason::early_reveal,
    reject_reason::late_reveal,
    reject_reason::no_commitment,
    reject_reason::commitment_mismatch,
    reject_reason::duplicate_reveal,
    reject_reason::wrong_round,
    reject_reason::malformed,
    reject_reason::layout_mismatch,
    reject_reason::non_finite,
    reject_reason::missing,
    reject_reason::norm_outlier,
    reject_reason::norm_cap,
    reject_reason::loss_increase,
    reject_reason::no_incentive,
    reject_reason::error,
};

/// The reason's snake_case text ("late_reveal"), as on the wire and in traces.
const char* to_string(reject_reason reason);

/// Reads a reason's text; refuses an unknown one, naming it.
parse_result<reject_reason> parse_reject_reason(std::string_view text);

}  // namespace atn
