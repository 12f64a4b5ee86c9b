// `atn-node transfer ADDRESS AMOUNT`: sends ATN from the node's wallet to an address, and prints both
// balances after it.
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

namespace atn {

namespace {
struct transfer_options {
  ledger_location where;
  std::string address_text, amount_text;
};

int transfer(const transfer_options& o) {
  const auto to = ledger::address::parse(o.address_text);
  const auto value = ledger::amount::parse(o.amount_text);
  if (value.is_zero())
    throw std::invalid_argument("amount \"" + o.amount_text + "\" is 0 ATN; transfer a positive amount");
  const auto w = load_wallet(o.where);
  if (to == w.addr())
    throw std::invalid_argument("address " + to.to_string() + " is the wallet's own (" +
                                wallet_path_of(o.where).string() + "); name the address to send to");
  auto l = open_ledger(o.where);
  ledger::submit_as(*l, w, ledger::tx::transfer(to, value));
  std::cout << "sent " << value.to_string() << " to " << to.to_string() << "\nbalance " << w.addr().to_string() << " "
            << l->balance(w.addr()).to_string() << "\nbalance " << to.to_string() << " " << l->balance(to).to_string()
            << "\n";
  return 0;
}
}  // namespace

void add_transfer_command(CLI::App& app) {
  auto opts = std::make_shared<transfer_options>();
  CLI::App* sub = app.add_subcommand("transfer", "Send ATN from the node's wallet to an address");
  sub->add_option("address", opts->address_text, "0x… address to send to")->required();
  sub->add_option("amount", opts->amount_text, "ATN, e.g. 50 or 12.5")->required();
  add_ledger_options(sub, opts->where);
  bind_command(sub, [opts] { return run_ledger_command("transfer", [&] { return transfer(*opts); }); });
}

}  // namespace atn
