#include "runtime/cli/simulation_ledger.hpp"

#include "runtime/ledger/genesis_yaml.hpp"
#include "runtime/ledger/outbox.hpp"
#include "runtime/util/file_util.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

namespace atn {
namespace fs = std::filesystem;

namespace {

void remove_sqlite_file(const fs::path& file) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(file.string() + suffix);
}

}  // namespace

// Enough for every stake a role needs: an aggregator's 1000 ATN and the 500 ATN guild stake, a
// coordinator's 500 and the 50 ATN member stake, with room to spare.
ledger::amount simulation_ledger::participant_funds() { return ledger::amount::atn(2000); }

simulation_ledger::simulation_ledger(const fs::path& state, const std::vector<simulation_participant>& nodes,
                                     std::int64_t epoch_seconds)
    : path_(state / "ledger.sqlite") {
  ledger::genesis g;
  g.chain_name = "atn-simulation";
  g.epoch_length_seconds = epoch_seconds;
  for (const auto& n : nodes) {
    fs::create_directories(n.state_dir);
    const auto file = ledger::wallet::default_path(n.state_dir);
    if (!fs::exists(file)) ledger::wallet::generate().save(file);
    auto w = ledger::wallet::load(file);
    addresses_.emplace(n.id, w.addr());
    g.balances[w.addr()] = participant_funds();
    if (n.aggregator) g.slashers.push_back(w.addr());
    wallets_.emplace(n.id, std::move(w));
    remove_sqlite_file(ledger::outbox::default_path(n.state_dir));
  }
  remove_sqlite_file(path_);
  write_file_atomic(state / "genesis.yaml", ledger::genesis_canonical_text(g));
  ledger_ = ledger::sqlite_ledger::create(path_, g, ledger::system_clock_seconds());
}

bool simulation_ledger::jurisdiction_exists(const std::string& name) {
  for (const auto& j : ledger_->jurisdictions())
    if (j.name == name) return true;
  return false;
}

ledger_standing simulation_ledger::standing(const std::string& node, const std::string& jurisdiction,
                                            std::int64_t round) {
  ledger_standing s;
  const auto& a = addresses_.at(node);
  s.balance = ledger_->balance(a);
  if (const auto st = ledger_->stake_of(a)) s.stake = st->value;
  for (const auto& r : ledger_->rewards_of(a)) s.rewards += r.value;
  s.round_units = ledger_->attested_round_units(a, jurisdiction, static_cast<std::uint64_t>(round));
  return s;
}

std::map<std::string, ledger::amount> simulation_ledger::claim_rewards() {
  // The last epoch that closed a round must end before its rewards exist.
  std::uint64_t last = 0;
  for (std::uint64_t n = 1; n <= ledger_->current_epoch(); ++n)
    if (ledger_->epoch(n).rounds > 0) last = n;
  std::map<std::string, ledger::amount> claimed;
  if (last == 0) return claimed;
  const auto end = ledger_->epoch(last).end;
  const auto now = ledger::system_clock_seconds()();
  if (now < end) {
    std::printf("waiting %lld s for epoch %llu to end, so that its rewards can be claimed ...\n",
                static_cast<long long>(end - now), static_cast<unsigned long long>(last));
    std::fflush(stdout);
  }
  while (ledger_->current_epoch() <= last) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // An epoch's rewards are minted by the first transaction after it ends, and a refused claim mints
  // nothing: so a node without a reward may find none before another's claim settled the epoch. A
  // second pass claims what the first settled.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& [id, w] : wallets_)
      for (std::uint64_t n = 1; n <= last; ++n) {
        try {
          const auto r = ledger::submit_as(*ledger_, w, ledger::tx::claim_reward(n));
          claimed[id] += r.value;
        } catch (const ledger::ledger_refusal& e) {
          if (e.code != ledger::refusal::nothing_to_claim && e.code != ledger::refusal::already_claimed) throw;
        }
      }
  return claimed;
}

}  // namespace atn
