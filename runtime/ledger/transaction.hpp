// Ledger transactions: every state change is one, signed by its sender's wallet. A transaction is
// (from, nonce, kind, fields); its signature is over keccak256 of a canonical encoding that also binds
// the ledger's chain id, so a transaction is valid on one ledger, once (nonce), for one sender.
//
// Canonical encoding (big-endian lengths): "atn-ledger-tx/1" ‖ chain_id (32 bytes) ‖ from (20 bytes)
// ‖ nonce (u64) ‖ u32 len ‖ kind ‖ u32 count ‖ for each field in key order: u32 len ‖ key ‖ u32 len ‖
// value. Field values are text: amounts in smallest units (decimal), addresses lowercase 0x-hex,
// integers decimal.
#pragma once

#include "runtime/ledger/amount.hpp"
#include "runtime/ledger/crypto.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atn::ledger {

class wallet;

enum class role : std::uint8_t { proposer, solver, coordinator, aggregator, validator, inference_provider };
inline constexpr role all_roles[] = {role::proposer,   role::solver,    role::coordinator,
                                     role::aggregator, role::validator, role::inference_provider};
/// "proposer", "solver", …, "inference-provider".
std::string role_name(role r);
/// Accepts role_name's spellings and "inference_provider"; nullopt otherwise.
std::optional<role> parse_role(std::string_view text);

enum class specialisation : std::uint8_t { text, visual, multimodal };
std::string specialisation_name(specialisation s);
std::optional<specialisation> parse_specialisation(std::string_view text);

/// The kinds of transaction (the `kind` field); each maps to one contract call on a chain.
namespace tx_kind {
inline constexpr std::string_view transfer = "transfer";
inline constexpr std::string_view stake = "stake";
inline constexpr std::string_view add_to_stake = "add_to_stake";
inline constexpr std::string_view request_unstake = "request_unstake";
inline constexpr std::string_view unstake = "unstake";
inline constexpr std::string_view slash = "slash";
inline constexpr std::string_view attest_usage = "attest_usage";
inline constexpr std::string_view close_round = "close_round";
inline constexpr std::string_view claim_reward = "claim_reward";
inline constexpr std::string_view create_jurisdiction = "create_jurisdiction";
inline constexpr std::string_view join_jurisdiction = "join_jurisdiction";
inline constexpr std::string_view leave_jurisdiction = "leave_jurisdiction";
inline constexpr std::string_view set_role_params = "set_role_params";
}  // namespace tx_kind

/// What a transaction asks for, before a sender and nonce are attached.
struct tx_body {
  std::string kind;
  std::map<std::string, std::string> fields;
};

struct transaction {
  address from;
  std::uint64_t nonce = 0;
  std::string kind;
  std::map<std::string, std::string> fields;
};

struct signed_transaction {
  transaction tx;
  signature sig{};
};

using chain_id = hash256;

/// The canonical encoding above (without signature).
std::string canonical_encoding(const chain_id& chain, const transaction& tx);
/// keccak256(canonical_encoding): what the sender signs.
hash256 signing_hash(const chain_id& chain, const transaction& tx);
/// keccak256 of the encoding and the signature: the transaction's id.
hash256 transaction_hash(const chain_id& chain, const signed_transaction& stx);
/// Attaches sender (the wallet's address) and nonce, and signs.
signed_transaction sign_transaction(const wallet& w, const chain_id& chain, std::uint64_t nonce, const tx_body& body);

/// Self-contained bytes of a signed transaction (canonical encoding ‖ 65-byte signature), for audit
/// rows and outboxes; decode throws std::invalid_argument on malformed bytes or another chain id.
std::string encode_signed(const chain_id& chain, const signed_transaction& stx);
signed_transaction decode_signed(const chain_id& chain, std::string_view bytes);

/// One participant's part of a round's Yuma result, as integer weights (the caller converts
/// emission shares to integers, e.g. round(share × 10^12)). `units` is, for a solver, the training
/// steps the round's result credits it with; coordinators' units are ignored.
struct round_share {
  address who;
  uint256 weight{0};
  std::uint64_t units = 0;
};

struct round_result {
  std::string jurisdiction;
  std::uint64_t round = 0;
  std::vector<round_share> solvers;       ///< weights from server_emission
  std::vector<round_share> coordinators;  ///< weights from validator_emission
};

/// Builders of each kind's body.
namespace tx {
tx_body transfer(const address& to, const amount& value);
tx_body stake(role r, const amount& value);
tx_body add_to_stake(const amount& value);
tx_body request_unstake();
tx_body unstake();
tx_body slash(const address& who, const amount& value, const std::string& reason);
/// Usage of `service` by the sender in the current epoch; for training, `service` is the
/// jurisdiction's aggregator and (jurisdiction, round) names the round trained for.
tx_body attest_usage(const address& service, std::uint64_t units, const std::string& jurisdiction = "",
                     std::uint64_t round = 0);
tx_body close_round(const round_result& result);
tx_body claim_reward(std::uint64_t epoch);
tx_body create_jurisdiction(const std::string& name, specialisation s);
tx_body join_jurisdiction(const std::string& name);
tx_body leave_jurisdiction(const std::string& name);
tx_body set_role_params(role r, const amount& minimum, std::int64_t lockup_seconds);
}  // namespace tx

/// Parses close_round's fields back (for the backend); throws std::invalid_argument.
round_result parse_round_result(const std::map<std::string, std::string>& fields);

}  // namespace atn::ledger
