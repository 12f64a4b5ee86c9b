// `atn-node unstake [--request]`: starts the lock-up of the wallet's stake, or after it pays the stake
// back.
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace atn {

namespace {
struct unstake_options {
  ledger_location where;
  bool request = false;
};

int unstake(const unstake_options& o) {
  const auto w = load_wallet(o.where);
  auto l = open_ledger(o.where);
  if (o.request) {
    ledger::submit_as(*l, w, ledger::tx::request_unstake());
    const auto s = l->stake_of(w.addr());
    const auto ends = *s->unstake_requested_at + l->roles().at(s->r).lockup_seconds;
    std::cout << "unstake requested: the " << ledger::role_name(s->r) << " stake of " << s->value.to_string()
              << " unlocks at " << utc_text(ends) << "; then run `atn-node unstake`\n";
  } else {
    const auto r = ledger::submit_as(*l, w, ledger::tx::unstake());
    std::cout << "unstaked: " << r.value.to_string() << " paid back\nbalance " << l->balance(w.addr()).to_string()
              << "\n";
  }
  return 0;
}
}  // namespace

void add_unstake_command(CLI::App& app) {
  auto opts = std::make_shared<unstake_options>();
  CLI::App* sub =
      app.add_subcommand("unstake", "Request the unstake (--request), or collect the stake after its lock-up");
  sub->add_flag("--request", opts->request, "start the lock-up");
  add_ledger_options(sub, opts->where);
  bind_command(sub, [opts] { return run_ledger_command("unstake", [&] { return unstake(*opts); }); });
}

}  // namespace atn
