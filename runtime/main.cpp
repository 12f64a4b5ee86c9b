// The `atn-node` command: one subcommand per file in runtime/*_command.cpp.
#include "runtime/commands.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <exception>

int main(int argc, char** argv) {
  CLI::App app{"atn-node: federated self-supervised VL-JEPA training node"};
  app.require_subcommand(1);
  atn::register_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return atn::run_selected_command(app);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
