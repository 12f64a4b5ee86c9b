// `atn-node stake ROLE AMOUNT [--add]`: stakes the node's wallet for a role (or adds to its stake).
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace atn {

namespace {
struct stake_options {
  ledger_location where;
  std::string role_text, amount_text;
  bool add = false;
};

int stake(const stake_options& o) {
  const auto r = ledger::parse_role(o.role_text);
  if (!r)
    throw std::invalid_argument("role \"" + o.role_text +
                                "\" is not one of proposer, solver, coordinator, aggregator, validator, "
                                "inference-provider");
  const auto value = ledger::amount::parse(o.amount_text);
  const auto w = load_wallet(o.where);
  auto l = open_ledger(o.where);
  if (o.add) {
    const auto s = l->stake_of(w.addr());
    if (s && s->r != *r)
      throw std::invalid_argument("the stake of " + w.addr().to_string() + " is a " + ledger::role_name(s->r) +
                                  " stake, not " + ledger::role_name(*r));
    ledger::submit_as(*l, w, ledger::tx::add_to_stake(value));
  } else {
    ledger::submit_as(*l, w, ledger::tx::stake(*r, value));
  }
  const auto s = l->stake_of(w.addr());
  std::cout << "stake " << ledger::role_name(s->r) << " " << s->value.to_string()
            << (l->is_active(w.addr(), s->r) ? " (active)" : " (inactive)") << "\nbalance "
            << l->balance(w.addr()).to_string() << "\n";
  return 0;
}
}  // namespace

void add_stake_command(CLI::App& app) {
  auto opts = std::make_shared<stake_options>();
  CLI::App* sub = app.add_subcommand("stake", "Stake ATN for a role from the node's wallet");
  sub->add_option("role", opts->role_text, "proposer, solver, coordinator, aggregator, validator, inference-provider")
      ->required();
  sub->add_option("amount", opts->amount_text, "ATN, e.g. 50 or 12.5")->required();
  sub->add_flag("--add", opts->add, "add to the stake held (it must be active, with no unstake pending)");
  add_ledger_options(sub, opts->where);
  bind_command(sub, [opts] { return run_ledger_command("stake", [&] { return stake(*opts); }); });
}

}  // namespace atn
