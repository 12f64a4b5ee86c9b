// `atn-node wallet new|show [--state-dir DIR | --wallet FILE]`: creates the node's wallet (a secp256k1
// key pair, file mode 0600) or prints its Ethereum address.
#include "runtime/cli/commands.hpp"
#include "runtime/ledger/wallet.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

namespace atn {

namespace {
struct wallet_options {
  std::string state_dir;
  std::string wallet_file;
};

std::filesystem::path wallet_path(const wallet_options& o) {
  if (!o.wallet_file.empty()) return o.wallet_file;
  if (!o.state_dir.empty()) return ledger::wallet::default_path(o.state_dir);
  const char* xdg = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  const std::filesystem::path base =
      xdg && *xdg ? std::filesystem::path(xdg) : std::filesystem::path(home ? home : ".") / ".local/state";
  return ledger::wallet::default_path(base / "atn-node");
}

void add_location_options(CLI::App* sub, wallet_options& o) {
  sub->add_option("--state-dir", o.state_dir, "state dir holding wallet.key (default: $XDG_STATE_HOME/atn-node)");
  sub->add_option("--wallet", o.wallet_file, "wallet file (overrides --state-dir)");
}
}  // namespace

void add_wallet_command(CLI::App& app) {
  auto opts = std::make_shared<wallet_options>();
  CLI::App* group = app.add_subcommand("wallet", "Create or show the node's wallet (secp256k1 key, Ethereum address)");
  group->require_subcommand(1);
  CLI::App* create = group->add_subcommand("new", "Create a wallet; an existing one is never overwritten");
  add_location_options(create, *opts);
  CLI::App* show = group->add_subcommand("show", "Print the wallet's address");
  add_location_options(show, *opts);
  bind_command(create, [opts] {
    const auto path = wallet_path(*opts);
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
      const auto w = ledger::wallet::load(wallet_path(*opts));
      std::cout << "address " << w.addr().to_string() << "\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "wallet show: " << e.what() << "\n";
      return 1;
    }
  });
}

}  // namespace atn
