// `atn-node simulate`: a federation on one machine. Every node is its own OS process (`atn-node
// node`), on loopback TCP, with its own slice of the data and its own state directory; this process
// only starts them, reads the aggregator's per-round reports and prints them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace atn {

struct simulation_options {
  int solvers = 4;
  int coordinators = 2;
  int rounds = 3;
  int jurisdictions = 1;  ///< solvers and coordinators spread over them; J > 1 adds the network aggregator
  /// The economy: a fresh ledger from a genesis funding every node, which stake themselves.
  bool ledger = true;
  std::int64_t epoch_seconds = 20;      ///< short epochs, so rewards settle while one watches
  std::string slash_fraction = "0.01";  ///< of the stake, for a commitment never revealed or not matched
  int byzantine = 0;                    ///< the last K solvers attack
  std::string attack = "signflip";
  std::optional<std::filesystem::path> data;  ///< ATN data; default: generated sample data
  std::optional<std::filesystem::path> images;
  std::filesystem::path state_dir = "atn-simulation";
  std::string preset = "tiny";
  std::string modalities = "text";
  std::string rule = "fedavg";
  std::int64_t steps = 20;
  std::int64_t reference_steps = 10;
  double learning_rate = 1e-3;
  std::int64_t batch = 8;
  int threads_per_node = 1;
  double phase_timeout_seconds = 120;
  bool json = false;  ///< one JSON object per round instead of the table
  bool trace = false;
  /// Afterwards, train one node on the union of the data for solvers × rounds × steps steps and
  /// compare its held-out loss with the federation's.
  bool parity = false;     ///< every node records its messages under <state>/<node>/trace.jsonl
  std::string executable;  ///< the atn-node binary; default /proc/self/exe
  /// When set, each JSON line of the aggregator (rounds, parity) goes here instead of stdout.
  std::function<void(const std::string&)> on_report;
};

/// Runs the simulation; returns the exit code (0 when every round closed). Prints to stdout.
int run_simulation(const simulation_options& options);

}  // namespace atn
