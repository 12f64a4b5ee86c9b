// A round seen in the field replays in a test: `atn-node simulate --trace` records the aggregator's
// traffic, and that trace, as is, replays against a fresh aggregator under CAF's deterministic
// scheduler with the same replies (the same consensus, the same new model, byte for byte).
#include "data/sample/sample_data_generator.hpp"
#include "runtime/replay/replay_harness.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/support/run_node.hpp"

#include <cstdio>
#include <fstream>
#include <string>

#include <sys/wait.h>

namespace fs = std::filesystem;

namespace {

using atn::test::run_node;

}  // namespace

TEST_CASE("a recorded aggregator trace replays as is", "[replay][simulation]") {
  atn::test::temp_dir dir("atn-replay-recorded");
  atn::sample_data_options o;
  o.frames = false;
  atn::generate_sample_data(dir.path / "data", o);
  const auto state = dir.path / "sim";
  auto sim = run_node("simulate --nodes 2 --coordinators 1 --rounds 2 --steps 3 --reference-steps 2 --trace --data " +
                      (dir.path / "data" / "atn").string() + " --state-dir " + state.string());
  INFO(sim.out);
  REQUIRE(sim.exit_code == 0);
  const auto trace = state / "aggregator" / "trace.jsonl";
  REQUIRE(fs::exists(trace));

  const auto script = atn::read_replay_script(trace);
  CHECK(script.header.inferred);
  CHECK(script.header.solvers == std::vector<std::string>{"solver-1", "solver-2"});
  CHECK(script.header.rounds == 2);
  const auto result = atn::run_replay(script);
  std::string mismatches;
  for (const auto& m : result.mismatches) mismatches += atn::to_string(m) + "\n";
  INFO(mismatches);
  CHECK(result.passed());
  CHECK(result.matched == result.outputs);
  CHECK(result.done);

  auto replay = run_node("replay " + trace.string());
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.find("PASS") != std::string::npos);

  // A changed delta no longer matches the hash its line records: the script is refused, by line.
  {
    std::fstream bin(trace.string() + ".tensors/1.bin", std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(bin);
    bin.seekp(-1, std::ios::end);
    bin.put('\x7f');
  }
  auto tampered = run_node("replay " + trace.string());
  INFO(tampered.out);
  CHECK(tampered.exit_code == 2);
  CHECK(tampered.out.find("trace.jsonl:") != std::string::npos);
  CHECK(tampered.out.find("BLAKE2b-256") != std::string::npos);
}
