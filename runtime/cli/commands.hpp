// Registry of the `atn-node` subcommands.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace atn {

/// A subcommand's action, run after parsing; returns the process exit code.
using command_action = std::function<int()>;

/// Adds every subcommand to `app`.
void register_commands(CLI::App& app);

/// Runs the action of the subcommand the user picked.
int run_selected_command(CLI::App& app);

/// The `bench` group every benchmark command hangs under, created by whichever asks first.
CLI::App* bench_group(CLI::App& app);

/// Called by each command file: remembers `action` for the subcommand `sub`.
void bind_command(CLI::App* sub, command_action action);

}  // namespace atn
