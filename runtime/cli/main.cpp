// The `atn-node` command: one subcommand per file in runtime/*_command.cpp.
#include "runtime/cli/commands.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <exception>

#include <unistd.h>

namespace {
// libgomp reads OMP_WAIT_POLICY when it loads, before main. Its default spin-waiting steals the
// cores OpenBLAS's own threads need (measured: 2x slower end to end on 2 cores), so the process
// re-executes itself once with the passive policy unless the user chose one.
void ensure_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run as we are
}
}  // namespace

int main(int argc, char** argv) {
  ensure_passive_openmp(argv);
  // Logs go to stderr: stdout carries results (tables, the --json line).
  spdlog::set_default_logger(spdlog::stderr_color_mt("atn"));
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
