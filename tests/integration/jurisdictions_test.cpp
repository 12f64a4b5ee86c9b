// Two jurisdictions end to end: `atn-node simulate --jurisdictions 2` runs two aggregators, their
// solvers and coordinators, and the network aggregator as processes over one SQLite ledger. The test
// checks what they did from the outside: each jurisdiction's model improves, every network model is
// the samples-weighted average of the two jurisdiction models (recomputed from the checkpoints the
// network aggregator wrote) and is where both next rounds start, and every reward and balance on the
// ledger equals an independent computation from the Yuma outputs in the round reports.
#include "data/sample/sample_data_generator.hpp"
#include "model/checkpoint.hpp"
#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/ledger/wallet.hpp"
#include "runtime/protocol/round_report_json.hpp"
#include "runtime/util/file_util.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace atn;
using ledger::amount;
using ledger::uint256;

namespace {

checkpoint load_checkpoint(const fs::path& file) {
  const auto bytes = read_file(file);
  REQUIRE(bytes);
  return decode_checkpoint(std::vector<std::uint8_t>(bytes->begin(), bytes->end()), file.string());
}

// The emission rules written out again from the issue, in plain integers.
uint256 budget_of_epoch(std::uint64_t n) {
  uint256 b = uint256(10000) * uint256("1000000000000000000");
  for (std::uint64_t i = 1; i < n; ++i) b = b * 9900 / 10000;
  return b;
}

uint256 weight_of(double share) { return uint256(static_cast<std::uint64_t>(std::llround(share * 1e12))); }

}  // namespace

TEST_CASE("two jurisdictions train, the network averages their models by samples, and the ledger pays by Yuma",
          "[integration][simulate][ledger]") {
  atn::test::temp_dir dir("atn-jurisdictions");
  sample_data_options data;
  data.frames = false;
  generate_sample_data(dir.path / "data", data);
  const fs::path state = dir.path / "sim";
  const std::int64_t steps = 15;
  const std::string cmd = std::string(ATN_NODE_BINARY) +
                          " simulate --nodes 4 --coordinators 2 --jurisdictions 2 --rounds 2 --steps 15 "
                          "--reference-steps 8 --epoch-seconds 4 --json --data " +
                          (dir.path / "data" / "atn").string() + " --state-dir " + state.string() + " 2>" +
                          (dir.path / "simulate.err").string();
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string output;
  std::map<std::string, std::map<std::int64_t, round_report>> rounds;  // jurisdiction → round → report
  std::map<std::int64_t, network_report> network;
  char buf[1 << 16];
  while (std::fgets(buf, sizeof buf, p)) {
    output += buf;
    const std::string line(buf);
    if (line.empty() || line[0] != '{') continue;
    if (auto n = parse_network_report(line)) {
      network[n->round] = *n;
      continue;
    }
    auto r = parse_round_report(line);
    INFO(line);
    REQUIRE(r);
    rounds[r->jurisdiction][r->round] = *r;
  }
  const int status = ::pclose(p);
  INFO(output << read_file(dir.path / "simulate.err").value_or(""));
  REQUIRE(status == 0);
  REQUIRE(rounds.size() == 2);
  REQUIRE(network.size() == 2);

  // Each jurisdiction's model improves on the held-out data.
  for (const auto& [j, by_round] : rounds) {
    INFO(j);
    REQUIRE(by_round.size() == 3);  // the initial model, then 2 rounds
    CHECK(by_round.at(2).held_out_loss < by_round.at(0).held_out_loss);
  }

  // The network model of each round is the samples-weighted average of the jurisdictions' models.
  for (const auto& [round, n] : network) {
    INFO("network round " << round);
    REQUIRE(n.jurisdictions == std::vector<std::string>{"j1", "j2"});
    const fs::path d = state / "network" / "network" / ("round-" + std::to_string(round));
    const auto out = load_checkpoint(d / "network.ckpt");
    CHECK(to_hex(blake2b_256(out.tensors)) == n.version);
    std::vector<checkpoint> in;
    double total = 0;
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& report = rounds.at(n.jurisdictions[k]).at(round);
      in.push_back(load_checkpoint(d / (n.jurisdictions[k] + ".ckpt")));
      CHECK(to_hex(blake2b_256(in.back().tensors)) == report.version);  // the model the jurisdiction published
      CHECK(n.versions[k] == report.version);
      CHECK(n.samples[k] == report.samples);
      CHECK(report.samples > 0);
      total += static_cast<double>(report.samples);
    }
    double worst = 0;
    for (std::size_t t = 0; t < out.tensors.size(); ++t) {
      const auto& o = *out.tensors[t].data;
      for (std::size_t i = 0; i < o.size(); ++i) {
        const double want = (n.samples[0] * static_cast<double>((*in[0].tensors[t].data)[i]) +
                             n.samples[1] * static_cast<double>((*in[1].tensors[t].data)[i])) /
                            total;
        worst = std::max(worst, std::abs(want - o[i]) / std::max(1.0, std::abs(want)));
      }
    }
    CHECK(worst < 1e-5);
    // Both jurisdictions' next round starts from the network model.
    if (round < 2)
      for (const auto& j : n.jurisdictions) CHECK(rounds.at(j).at(round + 1).previous_version == n.version);
  }

  // The ledger: rewards recomputed from the Yuma outputs, the budgets and the attested units.
  auto l = ledger::sqlite_ledger::open(state / "ledger.sqlite", ledger::system_clock_seconds());
  std::map<std::string, ledger::address> address;
  for (const char* id : {"aggregator-j1", "aggregator-j2", "coordinator-1", "coordinator-2", "solver-1", "solver-2",
                         "solver-3", "solver-4"})
    address.emplace(id, ledger::wallet::load(ledger::wallet::default_path(state / id)).addr());
  std::map<std::uint64_t, std::uint64_t> rounds_in_epoch;
  for (const auto& [j, by_round] : rounds)
    for (const auto& [r, report] : by_round)
      if (r > 0) {
        const auto e = l->round_epoch(j, static_cast<std::uint64_t>(r));
        REQUIRE(e);
        ++rounds_in_epoch[*e];
      }
  std::map<std::pair<ledger::address, std::uint64_t>, uint256> expected;  // (who, epoch) → reward
  for (const auto& [j, by_round] : rounds)
    for (const auto& [r, report] : by_round) {
      if (r == 0) continue;
      const auto epoch = *l->round_epoch(j, static_cast<std::uint64_t>(r));
      CHECK(l->epoch(epoch).rounds == rounds_in_epoch[epoch]);
      const uint256 share = budget_of_epoch(epoch) / rounds_in_epoch[epoch];
      uint256 total_weight = 0;
      std::vector<std::pair<std::string, uint256>> weights;
      for (std::size_t i = 0; i < report.uids.size(); ++i) {
        const auto& who = report.uids[i];
        const bool solver = who.rfind("solver", 0) == 0;
        const bool accepted = std::find(report.accepted.begin(), report.accepted.end(), who) != report.accepted.end();
        uint256 w = solver ? (accepted ? weight_of(report.server_emission[i]) : uint256(0))
                           : weight_of(report.validator_emission[i]);
        total_weight += w;
        weights.emplace_back(who, w);
      }
      for (const auto& [who, w] : weights) {
        uint256 effective = w;
        if (who.rfind("solver", 0) == 0) {
          const std::uint64_t attested = l->attested_round_units(address.at(who), j, static_cast<std::uint64_t>(r));
          CHECK(attested == static_cast<std::uint64_t>(steps));  // every solver trained the round's steps
          effective = w * std::min<std::uint64_t>(attested, steps) / steps;
        }
        if (total_weight > 0) expected[{address.at(who), epoch}] += share * effective / total_weight;
      }
    }
  for (const auto& [id, a] : address) {
    INFO(id);
    uint256 earned = 0;
    for (const auto& r : l->rewards_of(a)) {
      INFO("epoch " << r.epoch);
      CHECK(r.value.units() == expected[{a, r.epoch}]);
      CHECK(r.claimed);  // simulate claims every reward at the end
      earned += r.value.units();
    }
    uint256 want_total = 0;
    for (const auto& [key, v] : expected)
      if (key.first == a) want_total += v;
    CHECK(earned == want_total);
    // Funds 2000 ATN, less what the role and the jurisdiction hold, plus every reward.
    const bool solver = id.rfind("solver", 0) == 0, coordinator = id.rfind("coordinator", 0) == 0;
    const amount held = solver ? amount::atn(50 + 50) : coordinator ? amount::atn(500 + 50) : amount::atn(1000 + 500);
    CHECK(l->balance(a) == amount::atn(2000) - held + amount::from_units(earned));
  }
  const auto audit = l->audit();
  CHECK(audit.ok);
  CHECK(audit.problems.empty());
}
