// `atn-node rewards [--claim EPOCH]`: the wallet's rewards by epoch, or claims one final epoch's.
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace atn {

namespace {
struct rewards_options {
  ledger_location where;
  std::uint64_t claim = 0;
};

int rewards(const rewards_options& o) {
  const auto w = load_wallet(o.where);
  auto l = open_ledger(o.where);
  if (o.claim != 0) {
    const auto r = ledger::submit_as(*l, w, ledger::tx::claim_reward(o.claim));
    std::cout << "claimed " << r.value.to_string() << " for epoch " << o.claim << "\nbalance "
              << l->balance(w.addr()).to_string() << "\n";
    return 0;
  }
  const auto n = l->current_epoch();
  const auto e = l->epoch(n);
  std::cout << "epoch " << n << " ends at " << utc_text(e.end) << "\n";
  const auto all = l->rewards_of(w.addr());
  if (all.empty()) std::cout << "no rewards settled for " << w.addr().to_string() << "\n";
  for (const auto& r : all)
    std::cout << "epoch " << r.epoch << ": " << r.value.to_string()
              << (r.claimed ? " (claimed)" : " (claimable: `atn-node rewards --claim " + std::to_string(r.epoch) + "`)")
              << "\n";
  if (n > 1 && !l->epoch(n - 1).settled)
    std::cout << "epoch " << n - 1 << " has ended; its rewards are settled by the next transaction\n";
  return 0;
}
}  // namespace

void add_rewards_command(CLI::App& app) {
  auto opts = std::make_shared<rewards_options>();
  CLI::App* sub = app.add_subcommand("rewards", "The wallet's rewards by epoch; --claim EPOCH claims one");
  sub->add_option("--claim", opts->claim, "a final epoch whose reward to claim");
  add_ledger_options(sub, opts->where);
  bind_command(sub, [opts] { return run_ledger_command("rewards", [&] { return rewards(*opts); }); });
}

}  // namespace atn
