// What the ledger commands share: where the wallet and the ledger file are (--state-dir, --wallet,
// --ledger), opening them with errors that name the missing piece and the command that fixes it, the
// one-line report of a refusal, and times printed in UTC.
#pragma once

#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace atn {

struct ledger_location {
  std::string state_dir;    ///< default $XDG_DATA_HOME/atn-node (~/.local/share/atn-node), as `run`
  std::string wallet_file;  ///< default <state-dir>/wallet.key
  std::string ledger_file;  ///< default <state-dir>/../ledger.sqlite: beside the state dirs that share it
};

/// --state-dir and --wallet.
void add_wallet_options(CLI::App* sub, ledger_location& o);
/// --state-dir, --wallet and --ledger.
void add_ledger_options(CLI::App* sub, ledger_location& o);

std::filesystem::path state_dir_of(const ledger_location& o);
std::filesystem::path wallet_path_of(const ledger_location& o);
std::filesystem::path ledger_path_of(const ledger_location& o);

/// Opens the ledger with the system clock; throws std::runtime_error naming the path and
/// `atn-node ledger init` when there is none.
std::unique_ptr<ledger::sqlite_ledger> open_ledger(const ledger_location& o);
ledger::wallet load_wallet(const ledger_location& o);

/// Runs a command's body: a refusal, a busy ledger or any other error becomes one line on stderr
/// ("NAME: …") and exit code 1.
int run_ledger_command(const std::string& name, const std::function<int()>& body);

/// "2026-12-05 08:00:00 UTC".
std::string utc_text(std::int64_t unix_seconds);

}  // namespace atn
