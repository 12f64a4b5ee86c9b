// `atn-node bench round`: the round protocol's overhead as a share of round time, measured on a
// real simulation (every node its own process on loopback). Overhead is what a round spends beyond
// training, the coordinators' verification work and aggregation: commit and reveal messages, delta
// transfer, waiting on the slowest participant of a phase. Beside it, the ledger's share: the time the
// nodes' treasury clients spent in ledger calls for their transactions (attestations, close_round),
// read from each node's status file, against the round time.
#include "runtime/cli/commands.hpp"
#include "runtime/cli/simulation.hpp"
#include "runtime/node/node_status.hpp"
#include "runtime/protocol/round_report_json.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

namespace atn {
namespace {

struct round_times {
  double train = 0, protocol = 0, verify = 0, aggregate = 0;
  double total() const { return train + protocol + aggregate; }
  double overhead() const { return protocol - verify; }
};

}  // namespace

void add_bench_round_command(CLI::App& app) {
  auto o = std::make_shared<simulation_options>();
  o->solvers = 8;
  o->coordinators = 2;
  o->rounds = 2;
  o->preset = "small";
  o->steps = 10;
  o->reference_steps = 5;
  o->state_dir = "atn-bench-round";
  auto json = std::make_shared<bool>(false);
  auto* sub = bench_group(app)->add_subcommand("round", "Round protocol overhead as a share of round time");
  sub->add_option("--nodes", o->solvers, "Solvers")->capture_default_str();
  sub->add_option("--coordinators", o->coordinators, "Coordinators")->capture_default_str();
  sub->add_option("--rounds", o->rounds, "Rounds")->capture_default_str();
  sub->add_option("--preset", o->preset, "Model preset")->capture_default_str();
  sub->add_option("--steps", o->steps, "Training steps per solver per round")->capture_default_str();
  sub->add_option("--data", o->data, "ATN data directory (default: generated sample data)");
  sub->add_option("--state-dir", o->state_dir, "Where the nodes keep state and logs")->capture_default_str();
  sub->add_option("--epoch-seconds", o->epoch_seconds, "Ledger epoch length")->capture_default_str();
  auto no_ledger = std::make_shared<bool>(false);
  sub->add_flag("--no-ledger", *no_ledger, "Without the economy (its share is then not measured)");
  sub->add_flag("--json", *json, "One JSON object");
  bind_command(sub, [o, json, no_ledger] {
    o->ledger = !*no_ledger;
    std::vector<round_times> rounds;
    o->on_report = [&](const std::string& line) {
      auto report = parse_round_report(line);
      if (!report || report->round == 0) return;  // the parity line, or the initial model's round 0
      rounds.push_back(
          {report->train_seconds, report->protocol_seconds, report->verify_seconds, report->aggregate_seconds});
      const auto& r = rounds.back();
      if (!*json)
        std::printf(
            "round %zu: %.1f s = train %.1f + protocol %.1f (verification %.1f, overhead %.2f) + aggregate %.2f"
            " -> overhead %.1f %%\n",
            rounds.size(), r.total(), r.train, r.protocol, r.verify, r.overhead(), r.aggregate,
            100.0 * r.overhead() / r.total());
      std::fflush(stdout);
    };
    const int rc = run_simulation(*o);
    if (rc != 0 || rounds.empty()) return rc ? rc : 1;
    round_times sum;
    for (const auto& r : rounds) {
      sum.train += r.train, sum.protocol += r.protocol, sum.verify += r.verify, sum.aggregate += r.aggregate;
    }
    const double share = sum.overhead() / sum.total();
    // The ledger: every node's time in ledger calls (its status file at exit), all nodes added up, and
    // the aggregators' alone (their close_round lies on the round's critical path).
    double ledger_all = 0, ledger_aggregators = 0;
    for (const auto& entry : std::filesystem::directory_iterator(o->state_dir)) {
      const auto st = entry.is_directory() ? read_node_status(entry.path()) : std::nullopt;
      if (!st || !st->economy) continue;
      const double s = static_cast<double>(st->economy->ledger_us) / 1e6;
      ledger_all += s;
      if (entry.path().filename().string().rfind("aggregator", 0) == 0) ledger_aggregators += s;
    }
    const double ledger_share = ledger_all / sum.total(), aggregator_share = ledger_aggregators / sum.total();
    if (*json) {
      const nlohmann::ordered_json j = {
          {"solvers", o->solvers},
          {"coordinators", o->coordinators},
          {"preset", o->preset},
          {"rounds", rounds.size()},
          {"round_seconds", sum.total()},
          {"train_seconds", sum.train},
          {"protocol_seconds", sum.protocol},
          {"verify_seconds", sum.verify},
          {"aggregate_seconds", sum.aggregate},
          {"overhead_share", share},
          {"ledger_seconds_all_nodes", ledger_all},
          {"ledger_seconds_aggregators", ledger_aggregators},
          {"ledger_share_all_nodes", ledger_share},
          {"ledger_share_aggregators", aggregator_share},
      };
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf(
          "protocol overhead: %.1f %% of round time over %zu rounds (target <= 10 %%); "
          "protocol including verification: %.1f %%\n",
          100.0 * share, rounds.size(), 100.0 * sum.protocol / sum.total());
      if (o->ledger)
        std::printf(
            "ledger: %.3f s in all nodes' ledger calls together = %.2f %% of round time (target <= 2 %%); the "
            "aggregator's close_round on the critical path: %.3f s = %.2f %%\n",
            ledger_all, 100.0 * ledger_share, ledger_aggregators, 100.0 * aggregator_share);
    }
    return 0;
  });
}

}  // namespace atn
