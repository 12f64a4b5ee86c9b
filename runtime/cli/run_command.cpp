// `atn-node run [--config FILE]`: the node on its own, learning from this machine's data (with
// consent) in local training cycles until Ctrl-C or SIGTERM.
#include "runtime/cli/commands.hpp"
#include "runtime/config/node_config.hpp"
#include "runtime/node/solo_node.hpp"
#include "runtime/util/stop_signal.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

namespace atn {

void add_run_command(CLI::App& app) {
  auto config = std::make_shared<std::string>();
  auto options = std::make_shared<solo_options>();
  CLI::App* sub = app.add_subcommand(
      "run", "Run the node on its own: keep agent data and frames (with consent) and train on them in cycles");
  sub->add_option("--config", *config,
                  "config file (default: $XDG_CONFIG_HOME/atn-node/config.yaml, written with the defaults on "
                  "first use)");
  sub->add_flag("--no-ledger", options->no_ledger,
                "train without the ledger (as `ledger.enabled: false`): nothing is attested or earned");
  sub->add_option("--ledger", options->ledger_file,
                  "ledger file (replaces the config's ledger.path; default: ledger.sqlite beside the state dir)");
  bind_command(sub, [config, options] {
    const auto& stop = install_stop_signal_handlers();
    std::optional<std::filesystem::path> path;
    if (!config->empty()) path = *config;
    const node_config c = load_node_config(path, true);
    return run_solo_node(c, c.paths.config_file, stop, *options);
  });
}

}  // namespace atn
