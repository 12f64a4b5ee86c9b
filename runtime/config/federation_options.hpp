// What one federation node is: its identity, role, peers, data and the options of its role — filled in
// by flags (`atn-node node`) or the `federation:` section of a config file, and run by
// runtime/node/federation_node.
#pragma once

#include "runtime/adversary/delta_attack.hpp"
#include "runtime/protocol/round_options.hpp"
#include "runtime/transport/bridge_config.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace atn {

enum class node_role { solver, coordinator, aggregator, network };
const char* to_string(node_role role);
/// Throws std::invalid_argument naming the text.
node_role parse_node_role(const std::string& text);

/// A node's part in the economy (issue 15): its wallet (`<state_dir>/wallet.key`) and the ledger it
/// shares with the other nodes.
struct economy_options {
  bool enabled = true;                ///< false (`--no-ledger`): nothing attested or earned; warned at start
  std::filesystem::path ledger_file;  ///< empty: <state_dir>/../ledger.sqlite, as the ledger commands use
  bool auto_stake = true;             ///< stake the role's minimum (and join or found the jurisdiction) itself
};

/// "0.01" → 100: a fraction in [0, 1] with at most four decimals as basis points, read exactly
/// (never through a float). Throws std::invalid_argument naming `option` and the text.
std::uint32_t parse_fraction_bps(const std::string& text, const std::string& option);

/// A peer as `ID=ENDPOINT,KEY` (the form of `--peer`; `,KEY` may be left out only with
/// --insecure-plaintext). The key is Z85, which has no comma, so the last comma separates it.
/// Throws std::invalid_argument naming the text and, for a bad key, the key.
peer_endpoint parse_peer(const std::string& text);

struct federation_node_options {
  std::string id;
  node_role role = node_role::solver;
  std::string jurisdiction = "default";
  std::string listen;
  std::vector<peer_endpoint> peers;  ///< each with its CURVE public key unless insecure_plaintext
  /// CURVE off: peers are known by the routing id they present, traffic is not encrypted. Only by
  /// explicit choice (`--insecure-plaintext`, `insecure_plaintext: true`); the node warns at start.
  bool insecure_plaintext = false;
  std::optional<std::filesystem::path> trace;  ///< record every message in and out
  std::filesystem::path state_dir;

  std::filesystem::path data_dir;  ///< ATN data (sample data in a simulation)
  std::optional<std::filesystem::path> images_dir;
  std::size_t slice = 0, slices = 1;  ///< this node's slice of the sessions
  std::string preset = "tiny";
  std::int64_t batch = 8;
  std::int64_t eval_samples = 48;  ///< held-out samples per kind for evaluations
  std::uint64_t seed = 1;
  int threads = 0;

  solver_options solver;
  delta_attack attack = delta_attack::none;  ///< simulations: this solver attacks (runtime/adversary)
  coordinator_options coordinator;
  round_aggregator_options aggregator;
  network_aggregator_options network;  ///< role network: the jurisdictions' aggregators
  economy_options economy;
  bool json_reports = false;  ///< aggregator: one JSON object per round on stdout
  /// Aggregator: after the rounds, train the initial model on the union of the data for this many
  /// steps in one place and print its held-out loss next to the federated one (0 = no parity run).
  std::int64_t parity_steps = 0;
};

/// Throws std::invalid_argument naming the peer when CURVE is on (not `insecure_plaintext`) and a
/// peer has no public key, when a key is not a CURVE key, or when two peers share one.
void check_peer_keys(const federation_node_options& options);

}  // namespace atn
