// Replay scripts (tests/replay/*.jsonl) against the aggregator under CAF's deterministic scheduler,
// and the harness's own failure reporting.
#include "runtime/replay/replay_harness.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/support/run_node.hpp"

#include <algorithm>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

namespace fs = std::filesystem;

namespace {

std::string report(const atn::replay_result& r) {
  std::string s;
  for (const auto& m : r.mismatches) s += atn::to_string(m) + "\n";
  return s;
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

void write_lines(const fs::path& p, const std::vector<std::string>& lines) {
  std::ofstream out(p);
  for (const auto& l : lines) out << l << "\n";
}

void replace(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
}

const fs::path replay_dir = fs::path(ATN_SOURCE_DIR) / "tests" / "replay";

using atn::test::run_node;

}  // namespace

TEST_CASE("every replay script in tests/replay passes", "[replay]") {
  std::vector<fs::path> scripts;
  for (const auto& e : fs::directory_iterator(replay_dir))
    if (e.path().extension() == ".jsonl") scripts.push_back(e.path());
  std::sort(scripts.begin(), scripts.end());
  // The six scenarios of the issue, at least.
  REQUIRE(scripts.size() >= 6);
  for (const auto& path : scripts) {
    DYNAMIC_SECTION(path.filename().string()) {
      const auto script = atn::read_replay_script(path);
      const auto result = atn::run_replay(script);
      INFO(report(result));
      CHECK(result.passed());
      CHECK(result.injected > 0);
      CHECK(result.matched == result.outputs);
      CHECK(result.reports > 0);  // the observer got each round's report
    }
  }
}

TEST_CASE("a wrong expectation fails with its line number", "[replay]") {
  atn::test::temp_dir d;
  auto lines = lines_of(replay_dir / "forged_reveal.jsonl");
  // The round_result line (the last) expects solver-2 rejected; claim it was accepted instead.
  const std::size_t result_line = lines.size();
  replace(lines.back(), R"("accepted":["solver-1"])", R"("accepted":["solver-1","solver-2"])");
  write_lines(d.path / "wrong.jsonl", lines);

  const auto result = atn::run_replay(atn::read_replay_script(d.path / "wrong.jsonl"));
  REQUIRE_FALSE(result.passed());
  REQUIRE(result.mismatches.size() == 1);
  CHECK(result.mismatches[0].line == result_line);
  CHECK(result.mismatches[0].expected.find("accepted") != std::string::npos);
  CHECK(result.mismatches[0].got == R"(["solver-1"] (length 1))");
}

TEST_CASE("an output the script does not expect is reported", "[replay]") {
  atn::test::temp_dir d;
  auto lines = lines_of(replay_dir / "missing_solver.jsonl");
  // Line 5 advances 59999 ms; pretend the deadline is one ms earlier: the phase message then comes
  // before the script's next advance line, which strict order reports.
  replace(lines[4], R"("advance_ms":59999)", R"("advance_ms":60000)");
  write_lines(d.path / "early.jsonl", lines);
  const auto result = atn::run_replay(atn::read_replay_script(d.path / "early.jsonl"));
  INFO(report(result));
  REQUIRE_FALSE(result.passed());
  CHECK(result.mismatches[0].line == 6);
  CHECK(result.mismatches[0].got.rfind("unexpected phase", 0) == 0);
}

TEST_CASE("a forged commitment reference is a script error naming the line", "[replay]") {
  atn::test::temp_dir d;
  auto lines = lines_of(replay_dir / "full_round.jsonl");
  replace(lines[2], R"("commit_of":{"line":)", R"("commit_of":{"line":2,"was":)");
  write_lines(d.path / "bad.jsonl", lines);
  try {
    atn::read_replay_script(d.path / "bad.jsonl");
    FAIL("no error");
  } catch (const atn::replay_script_error& e) {
    CHECK(e.line() == 3);
    CHECK(std::string(e.what()).find("\"was\"") != std::string::npos);
  }
  write_lines(d.path / "bad2.jsonl", {lines[1]});
  CHECK_THROWS_AS(atn::read_replay_script(d.path / "bad2.jsonl"), atn::replay_script_error);
}

TEST_CASE("generated deltas and salts are deterministic", "[replay]") {
  atn::named_tensors layout(1);
  layout[0].name = "w";
  layout[0].shape = {3};
  layout[0].data = std::make_shared<std::vector<float>>(3, 0.0f);
  const auto a = atn::replay_generated_tensors(layout, 7, 0.5);
  const auto b = atn::replay_generated_tensors(layout, 7, 0.5);
  const auto c = atn::replay_generated_tensors(layout, 8, 0.5);
  CHECK(atn::blake2b_256(a) == atn::blake2b_256(b));
  CHECK(atn::blake2b_256(a) != atn::blake2b_256(c));
  for (float x : *a[0].data) CHECK(std::abs(x) <= 0.5f);
  CHECK(atn::replay_salt(1) == atn::replay_salt(1));
  CHECK(atn::replay_salt(1) != atn::replay_salt(2));
}

TEST_CASE("atn-node replay exits 0 on a pass, 1 on a mismatch, 2 on a bad script", "[replay][command]") {
  auto ok = run_node("replay " + (replay_dir / "full_round.jsonl").string());
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("PASS") != std::string::npos);

  atn::test::temp_dir d;
  auto lines = lines_of(replay_dir / "full_round.jsonl");
  replace(lines.back(), R"("rejected":{})", R"("rejected":{"solver-1":"late_reveal"})");
  write_lines(d.path / "wrong.jsonl", lines);
  auto fail = run_node("replay " + (d.path / "wrong.jsonl").string());
  INFO(fail.out);
  CHECK(fail.exit_code == 1);
  CHECK(fail.out.find("line " + std::to_string(lines.size()) + ": expected round_result field 'rejected'") !=
        std::string::npos);
  CHECK(fail.out.find("FAIL") != std::string::npos);

  write_lines(d.path / "bad.jsonl", {lines[0], R"({"dir":"sideways","type":"commit","round":1})"});
  auto bad = run_node("replay " + (d.path / "bad.jsonl").string());
  INFO(bad.out);
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("bad.jsonl:2:") != std::string::npos);
}
