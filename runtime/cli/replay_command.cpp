// `atn-node replay FILE [--verbose]`: runs a replay script (or a recorded aggregator trace) against
// the actor under CAF's deterministic scheduler and says PASS or FAIL.
#include "runtime/cli/commands.hpp"
#include "runtime/replay/replay_harness.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace atn {

void add_replay_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto verbose = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "replay", "Replay a scripted or recorded message trace against the aggregator and check its replies");
  sub->add_option("FILE", *file, "replay script (tests/replay/*.jsonl) or a recorded aggregator trace")->required();
  sub->add_flag("--verbose", *verbose, "print each step and the actor's log");
  sub->footer(
      "Exit status: 0 when every expected message matched, 1 on a mismatch, 2 for a bad script "
      "(the message names the line).");
  bind_command(sub, [file, verbose] {
    replay_script script;
    try {
      script = read_replay_script(*file);
    } catch (const std::exception& e) {
      std::cerr << "replay: " << e.what() << "\n";
      return 2;
    }
    // The actor's rejections are what most scripts provoke: only worth reading step by step.
    const auto level = spdlog::get_level();
    spdlog::set_level(*verbose ? spdlog::level::info : spdlog::level::err);
    replay_options options;
    if (*verbose) options.on_step = [](const std::string& line) { std::cout << line << std::endl; };
    replay_result result;
    try {
      result = run_replay(script, options);
    } catch (const std::exception& e) {
      spdlog::set_level(level);
      std::cerr << "replay: " << *file << ": " << e.what() << "\n";
      return 2;
    }
    spdlog::set_level(level);
    if (!*verbose)
      for (const auto& m : result.mismatches) std::cout << to_string(m) << "\n";
    std::cout << (result.passed() ? "PASS " : "FAIL ") << *file << ": " << result.injected << " injected, "
              << result.matched << " of " << result.outputs << " outputs matched, " << result.mismatches.size()
              << " mismatches" << (script.header.inferred ? " (header inferred from the trace)" : "") << "\n";
    return result.passed() ? 0 : 1;
  });
}

}  // namespace atn
