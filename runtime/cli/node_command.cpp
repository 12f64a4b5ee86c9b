// `atn-node node`: one federation node (solver, coordinator or aggregator) as its own process, as
// `atn-node simulate` starts them on one machine and as peers run them across a LAN.
#include "runtime/cli/commands.hpp"
#include "runtime/config/federation_config.hpp"
#include "runtime/node/federation_node.hpp"
#include "runtime/util/stop_signal.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <memory>

namespace atn {
namespace {

struct node_args {
  federation_node_options o;
  std::string role = "solver", attack = "none", modalities = "text", rule = "fedavg", trace, config;
  std::vector<std::string> peers, stakes, wallets, network_aggregators;
  std::string slash_fraction, ledger_file;
  bool no_ledger = false, no_auto_stake = false;
  std::string solvers, coordinators, images;
  double commit_s = 120, reveal_s = 60, score_commit_s = 120, score_reveal_s = 60;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::pair<std::string, std::string> split_pair(const std::string& text, const char* what) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw std::invalid_argument(std::string(what) + " '" + text + "' is not NAME=VALUE");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

void require(bool given, const char* option) {
  if (!given) throw std::invalid_argument(std::string("atn-node node needs ") + option + " (or --config FILE)");
}

// With --config the file's `federation:` section is the whole configuration.
int run_from_config(node_args& a, CLI::App* sub) {
  for (const auto* opt : sub->get_options())
    if (opt->count() > 0 && opt->get_name() != "--config" && opt->get_name() != "--help")
      throw std::invalid_argument("--config FILE replaces the other options of atn-node node; " + opt->get_name() +
                                  " was given too");
  federation_node_options o;
  load_federation_config(a.config, o);
  require(!o.id.empty(), "federation.id");
  require(!o.listen.empty(), "federation.listen");
  require(!o.state_dir.empty(), "federation.state_dir");
  require(!o.data_dir.empty(), "federation.data");
  if (o.role == node_role::aggregator && o.aggregator.solvers.empty())
    throw std::invalid_argument(a.config + ": an aggregator needs federation.aggregator.solvers");
  try {
    check_peer_keys(o);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(a.config + ": " + e.what());
  }
  return run_federation_node(o, install_stop_signal_handlers());
}

int run(node_args& a, CLI::App* sub) {
  if (!a.config.empty()) return run_from_config(a, sub);
  auto& o = a.o;
  require(!o.id.empty(), "--id");
  require(!o.listen.empty(), "--listen");
  require(!o.state_dir.empty(), "--state-dir");
  require(!o.data_dir.empty(), "--data");
  o.role = parse_node_role(a.role);
  if (o.slices == 0 || o.slice >= o.slices)
    throw std::invalid_argument("--slice " + std::to_string(o.slice) + " is not below --slices " +
                                std::to_string(o.slices));
  for (const auto& p : a.peers) o.peers.push_back(parse_peer(p));
  check_peer_keys(o);
  if (!a.images.empty()) o.images_dir = a.images;
  if (!a.trace.empty()) o.trace = a.trace;
  o.attack = parse_delta_attack(a.attack);
  o.aggregator.task.modalities = require_modalities(a.modalities, "--modalities");
  o.aggregator.solvers = split_list(a.solvers);
  o.aggregator.coordinators = split_list(a.coordinators);
  for (const auto& s : a.stakes) {
    auto [id, value] = split_pair(s, "--stake");
    o.aggregator.stake[id] = std::stod(value);
  }
  o.aggregator.rule = parse_aggregation_rule(a.rule);
  o.aggregator.commit_timeout = ms(a.commit_s);
  o.aggregator.reveal_timeout = ms(a.reveal_s);
  o.aggregator.score_commit_timeout = ms(a.score_commit_s);
  o.aggregator.score_reveal_timeout = ms(a.score_reveal_s);
  if (o.role == node_role::aggregator && o.aggregator.solvers.empty())
    throw std::invalid_argument("an aggregator needs --solvers");
  for (const auto& w : a.wallets) {
    auto [id, address] = split_pair(w, "--peer-wallet");
    o.aggregator.ledger_addresses[id] = address;
  }
  if (!a.slash_fraction.empty())
    o.aggregator.slash_fraction_bps = parse_fraction_bps(a.slash_fraction, "--slash-fraction");
  // The network step waits at most as long as a whole round may take, and then some.
  o.aggregator.network_timeout = o.aggregator.commit_timeout + o.aggregator.reveal_timeout +
                                 o.aggregator.score_commit_timeout + o.aggregator.score_reveal_timeout +
                                 std::chrono::seconds(60);
  for (const auto& j : a.network_aggregators) {
    auto [jurisdiction, id] = split_pair(j, "--aggregator-of");
    o.network.aggregators[jurisdiction] = id;
  }
  o.network.rounds = o.aggregator.rounds;
  if (o.role == node_role::network && o.network.aggregators.empty())
    throw std::invalid_argument("a network aggregator needs --aggregator-of JURISDICTION=ID for each jurisdiction");
  o.economy.enabled = !a.no_ledger;
  o.economy.auto_stake = !a.no_auto_stake;
  if (!a.ledger_file.empty()) o.economy.ledger_file = a.ledger_file;
  return run_federation_node(o, install_stop_signal_handlers());
}

}  // namespace

void add_node_command(CLI::App& app) {
  auto a = std::make_shared<node_args>();
  auto& o = a->o;
  o.aggregator.task.steps = 20;
  auto* sub = app.add_subcommand("node", "Run one federation node (solver, coordinator, aggregator or network)");
  sub->add_option("--config", a->config, "YAML file whose `federation:` section configures the node (see configs/)")
      ->check(CLI::ExistingFile);
  sub->add_option("--id", o.id, "This node's id");
  sub->add_option("--role", a->role, "solver, coordinator, aggregator or network (the jurisdictions' average)")
      ->capture_default_str();
  sub->add_option("--listen", o.listen, "Endpoint to bind, e.g. tcp://0.0.0.0:7101");
  sub->add_option("--peer", a->peers,
                  "A peer as ID=ENDPOINT,KEY with its CURVE public key (its `atn-node keygen` prints it; quote it "
                  "in a shell); repeat");
  sub->add_flag("--insecure-plaintext", o.insecure_plaintext,
                "Turn CURVE off: no authentication, no encryption; peers are ID=ENDPOINT (a warning at start)");
  sub->add_option("--jurisdiction", o.jurisdiction, "Jurisdiction")->capture_default_str();
  sub->add_option("--state-dir", o.state_dir, "State directory (journal, traces)");
  sub->add_option("--data", o.data_dir, "ATN data directory")->check(CLI::ExistingDirectory);
  sub->add_option("--images", a->images, "Frames directory");
  sub->add_option("--slice", o.slice, "This node's slice of the sessions (0-based)")->capture_default_str();
  sub->add_option("--slices", o.slices, "Number of slices")->capture_default_str();
  sub->add_option("--preset", o.preset, "Model preset")->capture_default_str();
  sub->add_option("--batch", o.batch, "Batch size")->capture_default_str();
  sub->add_option("--seed", o.seed, "Seed")->capture_default_str();
  sub->add_option("--threads", o.threads, "Torch threads (0: ATN_TORCH_THREADS or all cores)")->capture_default_str();
  sub->add_option("--trace", a->trace, "Record every message in and out to this trace file");
  sub->add_option("--modalities", a->modalities, "Task modalities: text, visual or text,visual")->capture_default_str();
  // aggregator
  sub->add_option("--solvers", a->solvers, "Aggregator: solver ids, comma-separated");
  sub->add_option("--coordinators", a->coordinators, "Aggregator: coordinator ids, comma-separated");
  sub->add_option("--stake", a->stakes, "Aggregator: a coordinator's stake as ID=AMOUNT (default 1)");
  sub->add_option("--rounds", o.aggregator.rounds, "Aggregator: rounds to run")->capture_default_str();
  sub->add_option("--steps", o.aggregator.task.steps, "Aggregator: training steps per round")->capture_default_str();
  sub->add_option("--lr", o.aggregator.task.learning_rate, "Aggregator: learning rate")->capture_default_str();
  sub->add_option("--rule", a->rule, "Aggregator: fedavg, trimmed_mean or median")->capture_default_str();
  sub->add_option("--trim", o.aggregator.trim_fraction, "Aggregator: trimmed-mean fraction per side")
      ->capture_default_str();
  sub->add_option("--commit-timeout", a->commit_s, "Aggregator: seconds for solvers to commit")->capture_default_str();
  sub->add_option("--reveal-timeout", a->reveal_s, "Aggregator: seconds to reveal")->capture_default_str();
  sub->add_option("--score-commit-timeout", a->score_commit_s, "Aggregator: seconds for coordinators to commit scores")
      ->capture_default_str();
  sub->add_option("--score-reveal-timeout", a->score_reveal_s, "Aggregator: seconds to reveal scores")
      ->capture_default_str();
  sub->add_option("--parity-steps", o.parity_steps, "Aggregator: afterwards, train one node on all the data this long")
      ->capture_default_str();
  sub->add_flag("--json-reports", o.json_reports, "Aggregator: print one JSON object per round on stdout");
  sub->add_option("--peer-wallet", a->wallets,
                  "Aggregator: a participant's wallet address as ID=0xADDRESS (repeat), for its rewards and slashes");
  sub->add_option("--slash-fraction", a->slash_fraction,
                  "Aggregator: share of the stake slashed for a commitment never revealed or not matched (default "
                  "0.01; 0: off)");
  sub->add_option("--network-aggregator", o.aggregator.network_aggregator,
                  "Aggregator: the network aggregator's id; each round's model goes there and the next round "
                  "starts from the network model");
  // network aggregator
  sub->add_option("--aggregator-of", a->network_aggregators,
                  "Network: a jurisdiction's aggregator as JURISDICTION=ID (repeat); --rounds counts its rounds");
  // the economy
  sub->add_option("--ledger", a->ledger_file, "Ledger file (default: <state-dir>/../ledger.sqlite)");
  sub->add_flag("--no-ledger", a->no_ledger, "Take part without the economy: nothing attested, rewarded or slashed");
  sub->add_flag("--no-auto-stake", a->no_auto_stake,
                "Do not stake, join or found the jurisdiction automatically; stop naming what is missing");
  // solver / coordinator
  sub->add_option("--attack", a->attack, "Solver: none, random, scale, signflip or little (Byzantine test)")
      ->capture_default_str();
  sub->add_option("--reference-steps", o.coordinator.reference_steps, "Coordinator: steps of its reference update")
      ->capture_default_str();
  sub->add_option("--loss-tolerance", o.coordinator.loss_tolerance,
                  "Coordinator: tolerated held-out loss increase (fraction)")
      ->capture_default_str();
  bind_command(sub, [a, sub] { return run(*a, sub); });
}

}  // namespace atn
