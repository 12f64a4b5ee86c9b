// `atn-node wallet new|show [--state-dir DIR | --wallet FILE]`: creates the node's wallet (a secp256k1
// key pair, file mode 0600) or prints its Ethereum address.
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"
#include "runtime/ledger/wallet.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

namespace atn {

void add_wallet_command(CLI::App& app) {
  auto opts = std::make_shared<ledger_location>();
  CLI::App* group = app.add_subcommand("wallet", "Create or show the node's wallet (secp256k1 key, Ethereum address)");
  group->require_subcommand(1);
  CLI::App* create = group->add_subcommand("new", "Create a wallet; an existing one is never overwritten");
  add_wallet_options(create, *opts);
  CLI::App* show = group->add_subcommand("show", "Print the wallet's address");
  add_wallet_options(show, *opts);
  bind_command(create, [opts] {
    const auto path = wallet_path_of(*opts);
    try {
      const auto w = ledger::wallet::generate();
      w.save(path);
      std::cout << "wallet " << path.string() << "\naddress " << w.addr().to_string() << "\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "wallet new: " << e.what() << "\n";
      return 1;
    }
  });
  bind_command(show, [opts] {
    try {
      const auto w = ledger::wallet::load(wallet_path_of(*opts));
      std::cout << "address " << w.addr().to_string() << "\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "wallet show: " << e.what() << "\n";
      return 1;
    }
  });
}

}  // namespace atn
