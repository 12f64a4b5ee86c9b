// Runs a replay script (runtime/replay_script.hpp) against the actor it names under CAF's
// deterministic test scheduler: a capture actor stands in for the bridge and the observer, "in"
// lines are injected in order, the clock moves only when the script says so, and every outbound
// message is compared with the next "out" line.
#pragma once

#include "runtime/replay/replay_script.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace atn {

/// One difference between the script and what the actor did.
struct replay_mismatch {
  std::size_t line = 0;  ///< the script line; 0 after the last line
  std::string expected, got;
};

struct replay_result {
  std::vector<replay_mismatch> mismatches;
  std::size_t injected = 0;  ///< "in" lines delivered
  std::size_t matched = 0;   ///< "out" lines that matched
  std::size_t outputs = 0;   ///< outbound messages the actor sent
  std::size_t reports = 0;   ///< round reports the observer got
  bool done = false;         ///< the actor said it ran all its rounds
  bool passed() const { return mismatches.empty(); }
};

struct replay_options {
  /// The actor's state directory; empty: a fresh one under the temp directory, removed afterwards.
  std::filesystem::path state_dir;
  /// Called with one line of text per step (for `atn-node replay --verbose`).
  std::function<void(const std::string&)> on_step;
};

/// Runs `script`. Never throws for what the actor does: that is a mismatch.
replay_result run_replay(const replay_script& script, const replay_options& options = {});

/// "line 12: expected ..., got ..." (or "after the last line: ...").
std::string to_string(const replay_mismatch& m);

}  // namespace atn
