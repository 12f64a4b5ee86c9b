#include "runtime/cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <map>
#include <stdexcept>

namespace atn {

// Each command file defines one of these.
void add_sample_data_command(CLI::App& app);
void add_bench_ingest_command(CLI::App& app);
void add_bench_transfer_command(CLI::App& app);
void add_bench_train_command(CLI::App& app);
void add_bench_aggregate_command(CLI::App& app);
void add_yuma_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_consent_command(CLI::App& app);
void add_status_command(CLI::App& app);
void add_node_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_replay_command(CLI::App& app);
void add_bench_round_command(CLI::App& app);
void add_wallet_command(CLI::App& app);
void add_keygen_command(CLI::App& app);
void add_ledger_command(CLI::App& app);
void add_stake_command(CLI::App& app);
void add_unstake_command(CLI::App& app);
void add_balance_command(CLI::App& app);
void add_jurisdiction_command(CLI::App& app);
void add_rewards_command(CLI::App& app);
void add_transfer_command(CLI::App& app);
void add_bench_ledger_command(CLI::App& app);

namespace {
std::map<const CLI::App*, command_action>& actions() {
  static std::map<const CLI::App*, command_action> table;
  return table;
}

int dispatch(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands()) {
    if (sub->get_subcommands().empty()) {
      auto it = actions().find(sub);
      if (it == actions().end()) throw std::logic_error("no action for command " + sub->get_name());
      return it->second();
    }
    return dispatch(*sub);
  }
  throw std::logic_error("no command selected");
}
}  // namespace

CLI::App* bench_group(CLI::App& app) {
  // CLI11 2.1 has no get_subcommand_no_throw.
  try {
    return app.get_subcommand("bench");
  } catch (const CLI::OptionNotFound&) {
    CLI::App* bench = app.add_subcommand("bench", "Measure the throughput of node components");
    bench->require_subcommand(1);
    return bench;
  }
}

void bind_command(CLI::App* sub, command_action action) { actions()[sub] = std::move(action); }

void register_commands(CLI::App& app) {
  add_sample_data_command(app);
  add_bench_ingest_command(app);
  add_bench_transfer_command(app);
  add_bench_train_command(app);
  add_bench_aggregate_command(app);
  add_yuma_command(app);
  add_train_command(app);
  add_consent_command(app);
  add_status_command(app);
  add_node_command(app);
  add_simulate_command(app);
  add_run_command(app);
  add_replay_command(app);
  add_bench_round_command(app);
  add_wallet_command(app);
  add_keygen_command(app);
  add_ledger_command(app);
  add_stake_command(app);
  add_unstake_command(app);
  add_balance_command(app);
  add_jurisdiction_command(app);
  add_rewards_command(app);
  add_transfer_command(app);
  add_bench_ledger_command(app);
}

int run_selected_command(CLI::App& app) { return dispatch(app); }

}  // namespace atn
