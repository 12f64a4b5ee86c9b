// `atn-node consent agent-data|capture on|off [--config FILE]`: flips one consent switch in the config
// file, keeping the rest of it; a running node picks the change up. `atn-node consent` alone shows both.
#include "runtime/cli/commands.hpp"
#include "runtime/config/node_config.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace atn {

namespace {

std::optional<std::filesystem::path> config_option(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return std::filesystem::path(s);
}

void add_switch(CLI::App* consent, const std::shared_ptr<std::string>& config, const char* name, consent_switch which,
                const std::string& what) {
  auto state = std::make_shared<std::string>();
  CLI::App* sub = consent->add_subcommand(name, "Allow (on) or stop (off) training on " + what);
  sub->add_option("state", *state, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  sub->add_option("--config", *config, "config file (default: $XDG_CONFIG_HOME/atn-node/config.yaml)");
  bind_command(sub, [config, state, which] {
    const std::filesystem::path file = config->empty() ? default_config_path() : std::filesystem::path(*config);
    set_consent(file, which, *state == "on");
    try {
      std::cout << describe_consent(load_node_config(file, false), which) << "\n";
    } catch (const std::exception&) {
      // set_consent already warned about the file's other problem.
      std::cout << consent_key(which) << " set to " << (*state == "on" ? "true" : "false") << "\n";
    }
    std::cout << "Saved in " << file.string() << "; a running node applies it without a restart.\n";
    return 0;
  });
}

}  // namespace

void add_consent_command(CLI::App& app) {
  auto config = std::make_shared<std::string>();
  CLI::App* consent = app.add_subcommand(
      "consent", "Show or change what the node may train on (nothing is read while a switch is off)");
  consent->add_option("--config", *config, "config file (default: $XDG_CONFIG_HOME/atn-node/config.yaml)");
  consent->require_subcommand(0, 1);
  add_switch(consent, config, "agent-data", consent_switch::agent_data,
             "your ATN agent conversations and tool executions (~/.atn, the event bus)");
  add_switch(consent, config, "capture", consent_switch::capture, "screen and browser frames");
  bind_command(consent, [config] {
    std::cout << describe_consent(load_node_config(config_option(*config), false));
    return 0;
  });
}

}  // namespace atn
