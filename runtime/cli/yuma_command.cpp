// `atn-node yuma --in FILE.json`: one Yuma consensus epoch from a JSON file, result as JSON.
#include "runtime/cli/commands.hpp"
#include "runtime/protocol/yuma_json.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace atn {

void add_yuma_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* sub =
      app.add_subcommand("yuma",
                         "Run one Yuma consensus epoch (subtensor's classic epoch) on a JSON input and print the "
                         "result as JSON");
  sub->add_option("--in", *path,
                  "input JSON: {\"stake\": [n], \"weights\": [[n] x n], optional \"bonds\": "
                  "[[n] x n], \"kappa\", \"bonds_moving_average\" (0.9), \"bonds_penalty\" (1.0)}; "
                  "- reads standard input")
      ->required();
  sub->footer("Exit status: 0 on success, 2 for bad input (the message names the field).");
  bind_command(sub, [path] { return run_yuma_json(*path, std::cout, std::cerr); });
}

}  // namespace atn
