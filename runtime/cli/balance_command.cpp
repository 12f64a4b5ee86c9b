// `atn-node balance [ADDRESS]`: the balance, stake and next nonce of an address (the node's wallet by
// default).
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace atn {

namespace {
struct balance_options {
  ledger_location where;
  std::string address_text;
};

int balance(const balance_options& o) {
  const ledger::address who =
      o.address_text.empty() ? load_wallet(o.where).addr() : ledger::address::parse(o.address_text);
  auto l = open_ledger(o.where);
  std::cout << "address " << who.to_string() << "\nbalance " << l->balance(who).to_string() << "\n";
  if (const auto s = l->stake_of(who)) {
    std::cout << "stake " << ledger::role_name(s->r) << " " << s->value.to_string()
              << (l->is_active(who, s->r) ? " (active)" : " (inactive)");
    if (s->unstake_requested_at)
      std::cout << ", unlocks at " << utc_text(*s->unstake_requested_at + l->roles().at(s->r).lockup_seconds);
    std::cout << "\n";
  } else {
    std::cout << "stake none\n";
  }
  std::cout << "nonce " << l->next_nonce(who) << "\n";
  return 0;
}
}  // namespace

void add_balance_command(CLI::App& app) {
  auto opts = std::make_shared<balance_options>();
  CLI::App* sub = app.add_subcommand("balance", "Balance, stake and nonce of an address (default: the node's wallet)");
  sub->add_option("address", opts->address_text, "0x… address");
  add_ledger_options(sub, opts->where);
  bind_command(sub, [opts] { return run_ledger_command("balance", [&] { return balance(*opts); }); });
}

}  // namespace atn
