// `atn-node simulate`: a whole federation on one machine, every node its own process.
#include "runtime/cli/commands.hpp"
#include "runtime/cli/simulation.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace atn {

void add_simulate_command(CLI::App& app) {
  auto o = std::make_shared<simulation_options>();
  auto data = std::make_shared<std::string>(), images = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "simulate", "Run solvers, coordinators and aggregators as processes on this machine, over a fresh ledger");
  sub->add_option("--nodes", o->solvers, "Solvers")->capture_default_str();
  sub->add_option("--coordinators", o->coordinators, "Coordinators")->capture_default_str();
  sub->add_option("--rounds", o->rounds, "Rounds")->capture_default_str();
  sub->add_option("--jurisdictions", o->jurisdictions,
                  "Jurisdictions the solvers and coordinators are spread over; more than one adds the network "
                  "aggregator, which averages their models")
      ->capture_default_str();
  sub->add_option("--epoch-seconds", o->epoch_seconds, "Length of a ledger epoch (rewards settle when one ends)")
      ->capture_default_str();
  sub->add_option("--slash-fraction", o->slash_fraction,
                  "Share of the stake slashed for a commitment never revealed or not matched (0: off)")
      ->capture_default_str();
  auto no_ledger = std::make_shared<bool>(false);
  sub->add_flag("--no-ledger", *no_ledger, "Run without the economy: nothing staked, attested or rewarded");
  sub->add_option("--data", *data, "ATN data directory (default: generated sample data)");
  sub->add_option("--images", *images, "Frames directory (with --data)");
  sub->add_option("--byzantine", o->byzantine, "How many solvers attack")->capture_default_str();
  sub->add_option("--attack", o->attack, "random, scale, signflip or little")->capture_default_str();
  sub->add_option("--preset", o->preset, "Model preset")->capture_default_str();
  sub->add_option("--modalities", o->modalities, "text, visual or text,visual")->capture_default_str();
  sub->add_option("--rule", o->rule, "fedavg, trimmed_mean or median")->capture_default_str();
  sub->add_option("--steps", o->steps, "Training steps per solver per round")->capture_default_str();
  sub->add_option("--reference-steps", o->reference_steps, "Coordinators' reference update steps")
      ->capture_default_str();
  sub->add_option("--lr", o->learning_rate, "Learning rate")->capture_default_str();
  sub->add_option("--batch", o->batch, "Batch size")->capture_default_str();
  sub->add_option("--threads-per-node", o->threads_per_node, "Torch threads of each node")->capture_default_str();
  sub->add_option("--phase-timeout", o->phase_timeout_seconds, "Seconds before a phase closes without everyone")
      ->capture_default_str();
  sub->add_option("--state-dir", o->state_dir, "Where nodes keep state and logs")->capture_default_str();
  sub->add_flag("--trace", o->trace, "Record every node's messages as replayable traces");
  sub->add_flag("--parity", o->parity,
                "Afterwards, compare with one node trained on all the data for the same total steps");
  sub->add_flag("--json", o->json, "One JSON object per round instead of the table");
  bind_command(sub, [o, data, images, no_ledger] {
    o->ledger = !*no_ledger;
    if (!data->empty()) o->data = *data;
    if (!images->empty()) o->images = *images;
    return run_simulation(*o);
  });
}

}  // namespace atn
