// `atn-node status [--config FILE]`: what the node reads, from where, and how much is buffered. Reads
// the config and the state dir only; ATN and capture data are never opened here.
#include "runtime/cli/commands.hpp"
#include "runtime/config/node_config.hpp"
#include "runtime/node/node_status.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace atn {

void add_status_command(CLI::App& app) {
  auto config = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(
      "status", "Show what the node reads and from where, whether it runs, and how much is buffered");
  sub->add_option("--config", *config, "config file (default: $XDG_CONFIG_HOME/atn-node/config.yaml)");
  bind_command(sub, [config] {
    std::optional<std::filesystem::path> path;
    if (!config->empty()) path = *config;
    const node_config c = load_node_config(path, false);
    std::cout << render_status(c, gather_status(c));
    return 0;
  });
}

}  // namespace atn
