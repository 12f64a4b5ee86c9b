#include "messages/reject_reason.hpp"

#include <string>

namespace atn {

const char* to_string(reject_reason reason) {
  switch (reason) {
    case reject_reason::unknown_sender:
      return "unknown_sender";
    case reject_reason::duplicate_commit:
      return "duplicate_commit";
    case reject_reason::late_commit:
      return "late_commit";
    case reject_reason::early_reveal:
      return "early_reveal";
    case reject_reason::late_reveal:
      return "late_reveal";
    case reject_reason::no_commitment:
      return "no_commitment";
    case reject_reason::commitment_mismatch:
      return "commitment_mismatch";
    case reject_reason::duplicate_reveal:
      return "duplicate_reveal";
    case reject_reason::wrong_round:
      return "wrong_round";
    case reject_reason::malformed:
      return "malformed";
    case reject_reason::layout_mismatch:
      return "layout_mismatch";
    case reject_reason::non_finite:
      return "non_finite";
    case reject_reason::missing:
      return "missing";
    case reject_reason::norm_outlier:
      return "norm_outlier";
    case reject_reason::norm_cap:
      return "norm_cap";
    case reject_reason::loss_increase:
      return "loss_increase";
    case reject_reason::no_incentive:
      return "no_incentive";
    case reject_reason::error:
      return "error";
  }
  return "unknown";  // unreachable for a valid enumerator
}

parse_result<reject_reason> parse_reject_reason(std::string_view text) {
  for (auto r : all_reject_reasons)
    if (text == to_string(r)) return r;
  return parse_result<reject_reason>::failure("unknown reject reason '" + std::string(text) + "'");
}

}  // namespace atn
