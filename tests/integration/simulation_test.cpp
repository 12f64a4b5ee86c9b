// The federation end to end: `atn-node simulate` starts 4 solvers, 2 coordinators and an aggregator
// as separate processes on loopback; the test then checks what they did against the traces they
// recorded, recomputing every commitment and every Yuma epoch independently.
#include "data/input_report.hpp"
#include "data/sample/sample_data_generator.hpp"
#include "messages/round_messages.hpp"
#include "runtime/protocol/commitment.hpp"
#include "runtime/protocol/round_report_json.hpp"
#include "runtime/protocol/yuma_epoch.hpp"
#include "runtime/transport/message_trace.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace atn;

namespace {

// The bundled sample data without frames (the federation tests train on text), made once.
const fs::path& sample_atn_dir() {
  static atn::test::temp_dir dir("atn-sim-data");
  static const fs::path atn = [] {
    sample_data_options o;
    o.frames = false;
    generate_sample_data(dir.path, o);
    return dir.path / "atn";
  }();
  return atn;
}

std::vector<round_report> run_simulation(const fs::path& state, const std::string& extra, std::string& output,
                                         double* central_loss = nullptr) {
  const std::string cmd = std::string(ATN_NODE_BINARY) +
                          " simulate --nodes 4 --coordinators 2 --steps 15 "
                          "--reference-steps 8 --epoch-seconds 4 --json --trace --data " +
                          sample_atn_dir().string() + " --state-dir " + state.string() + " " + extra + " 2>" +
                          (state / "simulate.err").string();
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[65536];
  std::vector<round_report> lines;
  while (std::fgets(buf, sizeof buf, p)) {
    output += buf;
    std::string line(buf);
    if (line.empty() || line[0] != '{') continue;
    if (auto parity = parse_parity_report(line)) {
      if (central_loss) *central_loss = parity->central_loss;
      continue;
    }
    auto r = parse_round_report(line);
    INFO(line);
    REQUIRE(r);
    lines.push_back(*std::move(r));
  }
  const int status = ::pclose(p);
  INFO(output);
  REQUIRE(status == 0);
  return lines;
}

}  // namespace

TEST_CASE("a federation of processes trains, commits, verifies, agrees, aggregates and keeps parity",
          "[integration][simulate]") {
  atn::test::temp_dir dir("atn-sim");
  std::string output;
  double central_loss = -1;
  auto rounds = run_simulation(dir.path, "--rounds 3 --parity", output, &central_loss);
  INFO(output);
  REQUIRE(rounds.size() == 4);  // the initial model, then 3 rounds
  // Parity: 4 solvers on disjoint slices end within 10 % of one node trained on all the data for
  // the same total steps (4 × 3 × 15), measured on the same held-out batches.
  REQUIRE(central_loss > 0);
  CHECK(rounds.back().held_out_loss <= 1.10 * central_loss);
  CHECK(rounds[0].round == 0);

  for (std::size_t r = 1; r < rounds.size(); ++r) {
    INFO("round " << r);
    CHECK(rounds[r].round == static_cast<std::int64_t>(r));
    CHECK(rounds[r].previous_version == rounds[r - 1].version);
    CHECK(rounds[r].version != rounds[r].previous_version);
    // The global held-out loss falls round over round.
    CHECK(rounds[r].held_out_loss < rounds[r - 1].held_out_loss);
    CHECK(rounds[r].commits == 4);
    CHECK(rounds[r].reveals == 4);
    CHECK(rounds[r].score_reveals == 2);
    CHECK(rounds[r].accepted.size() == 4);
    CHECK(rounds[r].rejected.empty());
  }

  // Recompute from the aggregator's trace: every reveal against its commitment, then each epoch.
  input_report report;
  auto trace = read_message_trace(dir.path / "aggregator" / "trace.jsonl", report);
  CHECK(report.total() == 0);
  REQUIRE(!trace.empty());
  std::map<std::int64_t, std::string> version_of_round;
  std::map<std::int64_t, std::map<std::string, digest256>> delta_commits, score_commits;
  std::map<std::int64_t, std::map<std::string, std::vector<double>>> scores;
  std::map<std::int64_t, std::vector<std::string>> solvers_of_round, coordinators_of_round;
  std::size_t reveals_checked = 0;
  for (const auto& e : trace) {
    const auto& m = e.message;
    if (e.dir == trace_direction::out && m.type == round_type::open) {
      auto open = parse_round_open(m);
      REQUIRE(open);
      version_of_round[m.round] = open->version;
      CHECK(to_hex(blake2b_256(open->weights)) == open->version);
      solvers_of_round[m.round] = open->solvers;
      coordinators_of_round[m.round] = open->coordinators;
    } else if (e.dir == trace_direction::in && m.type == round_type::commit) {
      auto c = parse_commit(m);
      REQUIRE(c);
      (c->kind == commit_kind::delta ? delta_commits : score_commits)[m.round][m.from] = c->commitment;
    } else if (e.dir == trace_direction::in && m.type == round_type::reveal) {
      auto r = parse_reveal(m);
      REQUIRE(r);
      const auto expected = commitment_of(delta_commit_domain, m.from, m.jurisdiction, m.round,
                                          version_of_round.at(m.round), blake2b_256(r->delta), r->salt);
      CHECK(delta_commits[m.round].at(m.from) == expected);
      ++reveals_checked;
    } else if (e.dir == trace_direction::in && m.type == round_type::score_reveal) {
      auto s = parse_score_reveal(m);
      REQUIRE(s);
      const auto expected = commitment_of(scores_commit_domain, m.from, m.jurisdiction, m.round,
                                          version_of_round.at(m.round), scores_hash(s->solvers, s->scores), s->salt);
      CHECK(score_commits[m.round].at(m.from) == expected);
      scores[m.round][m.from] = s->scores;
    }
  }
  CHECK(reveals_checked == 12);

  // Every node spoke CURVE (the default): its key pair in its state dir, owner-only, and said so.
  for (const char* id :
       {"aggregator", "coordinator-1", "coordinator-2", "solver-1", "solver-2", "solver-3", "solver-4"}) {
    INFO(id);
    CHECK(fs::status(dir.path / id / "keys" / "node.key").permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write));
    std::ifstream log(dir.path / id / "node.log");
    const std::string text{std::istreambuf_iterator<char>(log), {}};
    CHECK(text.find("CURVE on") != std::string::npos);
    CHECK(text.find("refused a ") == std::string::npos);  // no message or connection refused
  }

  yuma_matrix bonds;
  for (std::int64_t r = 1; r <= 3; ++r) {
    INFO("epoch of round " << r);
    const auto& coords = coordinators_of_round.at(r);
    const auto& solvers = solvers_of_round.at(r);
    const auto nc = coords.size(), n = nc + solvers.size();
    yuma_input in;
    in.stake.assign(n, 0.0);
    in.weights.assign(n, std::vector<double>(n, 0.0));
    for (std::size_t i = 0; i < nc; ++i) {
      in.stake[i] = 1.0;
      const auto& v = scores.at(r).at(coords[i]);
      for (std::size_t j = 0; j < solvers.size(); ++j) in.weights[i][nc + j] = v[j];
    }
    in.bonds = bonds;
    auto out = run_yuma_epoch(in);
    bonds = out.bonds;
    const auto& line = rounds[static_cast<std::size_t>(r)];
    REQUIRE(line.consensus.size() == n);
    for (std::size_t k = 0; k < n; ++k) {
      CHECK(line.consensus[k] == Approx(out.consensus[k]).margin(1e-12));
      CHECK(line.incentive[k] == Approx(out.incentive[k]).margin(1e-12));
      CHECK(line.dividends[k] == Approx(out.dividends[k]).margin(1e-12));
    }
  }
}

TEST_CASE("coordinators score a sign-flipping solver out of the average", "[integration][simulate][byzantine]") {
  atn::test::temp_dir dir("atn-sim-byz");
  std::string output;
  auto rounds = run_simulation(dir.path, "--byzantine 1 --attack signflip --rounds 2", output);
  INFO(output);
  REQUIRE(rounds.size() == 3);
  for (std::size_t r = 1; r < rounds.size(); ++r) {
    const auto& line = rounds[r];
    // solver-4 attacks: its incentive is 0 and its delta is not averaged in.
    const auto it = std::find(line.uids.begin(), line.uids.end(), "solver-4");
    REQUIRE(it != line.uids.end());
    CHECK(line.incentive[static_cast<std::size_t>(it - line.uids.begin())] == 0.0);
    CHECK(std::find(line.accepted.begin(), line.accepted.end(), "solver-4") == line.accepted.end());
    CHECK(line.accepted.size() == 3);
    CHECK(line.held_out_loss < rounds[r - 1].held_out_loss);
  }
}
