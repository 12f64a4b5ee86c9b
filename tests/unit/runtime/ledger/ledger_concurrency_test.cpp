// Eight processes at once on one ledger file, each staking, attesting, claiming and transferring: no
// update is lost (every nonce, balance and attested unit is as the transactions say) and the invariants
// and the audit hold.
#include "runtime/ledger/emission.hpp"
#include "tests/unit/runtime/ledger/ledger_fixture.hpp"
#include "tests/unit/support/run_node.hpp"

#include <fstream>
#include <sstream>

using namespace atn::ledger;

TEST_CASE("8 processes stake, attest and claim on one ledger at once without a lost update",
          "[ledger][sqlite][concurrency]") {
  constexpr int workers = 8, attestations = 20;
  constexpr std::int64_t t0 = 1'800'000'000, length = 1000;
  atn::test::temp_dir dir("atn_ledger_conc");
  const auto file = dir.path / "ledger.sqlite";
  auto now = std::make_shared<std::int64_t>(t0 + 1);
  std::vector<wallet> w;
  for (int i = 0; i < workers; ++i) w.push_back(atn::test::wallet_no(static_cast<std::uint8_t>(40 + i)));
  const wallet agg = atn::test::wallet_no(60);
  genesis g;
  g.genesis_time = t0;
  g.epoch_length_seconds = length;
  g.initial_epoch_budget = amount::atn(1000);
  for (const auto& x : w) g.balances[x.addr()] = amount::atn(100);
  g.balances[agg.addr()] = amount::atn(2000);
  auto l = sqlite_ledger::create(file, g, [now] { return *now; });

  // Epoch 1: every worker attests round 1; the aggregator closes it with weights 1..8.
  submit_as(*l, agg, tx::stake(role::aggregator, amount::atn(1000)));
  submit_as(*l, agg, tx::create_jurisdiction("j", specialisation::text));
  round_result r;
  r.jurisdiction = "j";
  r.round = 1;
  for (int i = 0; i < workers; ++i) {
    submit_as(*l, w[i], tx::attest_usage(agg.addr(), 10, "j", 1));
    r.solvers.push_back({w[i].addr(), uint256(i + 1), 10});
  }
  submit_as(*l, agg, tx::close_round(r));

  // Epoch 2: the workers, all at once.
  std::string script;
  for (int i = 0; i < workers; ++i) {
    const auto out = dir.path / ("worker" + std::to_string(i) + ".out");
    script += std::string("(") + ATN_LEDGER_WORKER + " " + file.string() + " " + to_hex(w[i].key()) + " " +
              std::to_string(t0 + length + 1) + " " + agg.addr().to_lower() + " j " + std::to_string(attestations) +
              " 1 " + w[(i + 1) % workers].addr().to_lower() + " > " + out.string() + " 2>&1; echo \"exit $?\" >> " +
              out.string() + ") & ";
  }
  atn::test::run_shell(script + "wait");

  *now = t0 + length + 1;
  // Rewards by hand: one round in epoch 1 takes the whole 1000 ATN budget; W = 1 + … + 8 = 36, every
  // worker fully attested, so worker i gets floor(1000 ATN × (i + 1) / 36).
  const uint256 budget = amount::atn(1000).units();
  amount minted;
  for (int i = 0; i < workers; ++i) {
    std::ifstream in(dir.path / ("worker" + std::to_string(i) + ".out"));
    std::stringstream text;
    text << in.rdbuf();
    INFO("worker " << i << ": " << text.str());
    CHECK(text.str().find("exit 0") != std::string::npos);
    const amount reward = amount::from_units(budget * (i + 1) / 36);
    minted += reward;
    CHECK(text.str().find("claimed " + reward.units_string()) != std::string::npos);
    CHECK(l->next_nonce(w[i].addr()) == 1 + 1 + attestations + 1 + 1);
    CHECK(l->balance(w[i].addr()) == amount::atn(50) + reward);  // −50 staked, −1 sent, +1 received
    CHECK(l->is_active(w[i].addr(), role::solver));
    CHECK(l->attested_units(w[i].addr(), 2) == attestations);
    CHECK(l->attested_round_units(w[i].addr(), "j", 2) == attestations);
    CHECK(l->rewards_of(w[i].addr()).at(0).claimed);
  }
  CHECK(l->epoch(1).minted == minted);
  CHECK(l->totals().minted == minted);
  CHECK(l->check_invariants().empty());
  const auto rep = l->audit();
  for (const auto& p : rep.problems) UNSCOPED_INFO(p);
  CHECK(rep.ok);
  CHECK(rep.transactions == 2 + workers + 1 + workers * (attestations + 3));
}
