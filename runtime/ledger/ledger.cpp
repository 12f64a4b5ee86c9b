#include "runtime/ledger/ledger.hpp"

#include "runtime/ledger/wallet.hpp"

#include <chrono>

namespace atn::ledger {

std::string refusal_name(refusal r) {
  switch (r) {
    case refusal::bad_signature:
      return "bad_signature";
    case refusal::bad_nonce:
      return "bad_nonce";
    case refusal::malformed:
      return "malformed";
    case refusal::insufficient_balance:
      return "insufficient_balance";
    case refusal::below_minimum:
      return "below_minimum";
    case refusal::already_staked:
      return "already_staked";
    case refusal::no_stake:
      return "no_stake";
    case refusal::unstake_pending:
      return "unstake_pending";
    case refusal::no_unstake_request:
      return "no_unstake_request";
    case refusal::locked:
      return "locked";
    case refusal::not_authorised:
      return "not_authorised";
    case refusal::inactive_service:
      return "inactive_service";
    case refusal::epoch_not_final:
      return "epoch_not_final";
    case refusal::nothing_to_claim:
      return "nothing_to_claim";
    case refusal::already_claimed:
      return "already_claimed";
    case refusal::unknown_jurisdiction:
      return "unknown_jurisdiction";
    case refusal::jurisdiction_exists:
      return "jurisdiction_exists";
    case refusal::already_member:
      return "already_member";
    case refusal::not_member:
      return "not_member";
    case refusal::aggregator_has_members:
      return "aggregator_has_members";
    case refusal::round_closed:
      return "round_closed";
  }
  return "?";
}

clock_fn system_clock_seconds() {
  return [] {
    return static_cast<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  };
}

std::map<role, role_params> default_role_params() {
  constexpr std::int64_t day = 86400;
  return {{role::proposer, {amount::atn(100), 7 * day}},     {role::solver, {amount::atn(50), 3 * day}},
          {role::coordinator, {amount::atn(500), 14 * day}}, {role::aggregator, {amount::atn(1000), 14 * day}},
          {role::validator, {amount::atn(10000), 21 * day}}, {role::inference_provider, {amount::atn(200), 7 * day}}};
}

receipt submit_as(ledger& l, const wallet& w, const tx_body& body) {
  return l.submit(sign_transaction(w, l.id(), l.next_nonce(w.addr()), body));
}

}  // namespace atn::ledger
