#include "runtime/cli/ledger_access.hpp"

#include "data/civil_time.hpp"
#include "runtime/config/node_config.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace atn {

void add_wallet_options(CLI::App* sub, ledger_location& o) {
  sub->add_option("--state-dir", o.state_dir,
                  "state dir holding wallet.key (default: $XDG_DATA_HOME/atn-node, as `run`)");
  sub->add_option("--wallet", o.wallet_file, "wallet file (overrides --state-dir)");
}

void add_ledger_options(CLI::App* sub, ledger_location& o) {
  add_wallet_options(sub, o);
  sub->add_option("--ledger", o.ledger_file, "ledger file (default: <state-dir>/../ledger.sqlite)");
}

std::filesystem::path state_dir_of(const ledger_location& o) {
  if (!o.state_dir.empty()) return o.state_dir;
  return default_state_dir();  // the one `atn-node run` keeps its state in, so both find the same wallet
}

std::filesystem::path wallet_path_of(const ledger_location& o) {
  if (!o.wallet_file.empty()) return o.wallet_file;
  return ledger::wallet::default_path(state_dir_of(o));
}

std::filesystem::path ledger_path_of(const ledger_location& o) {
  if (!o.ledger_file.empty()) return o.ledger_file;
  // The nodes of one machine keep their state dirs side by side; the ledger they share sits beside them.
  return std::filesystem::absolute(state_dir_of(o)).lexically_normal().parent_path() / "ledger.sqlite";
}

std::unique_ptr<ledger::sqlite_ledger> open_ledger(const ledger_location& o) {
  const auto path = ledger_path_of(o);
  if (!std::filesystem::exists(path))
    throw std::runtime_error("no ledger at " + path.string() + "; create it with `atn-node ledger init --genesis FILE" +
                             (o.ledger_file.empty() ? std::string() : " --ledger " + path.string()) +
                             "` or name another with --ledger");
  return ledger::sqlite_ledger::open(path, ledger::system_clock_seconds());
}

ledger::wallet load_wallet(const ledger_location& o) { return ledger::wallet::load(wallet_path_of(o)); }

int run_ledger_command(const std::string& name, const std::function<int()>& body) {
  try {
    return body();
  } catch (const ledger::ledger_refusal& e) {
    std::cerr << name << ": refused (" << ledger::refusal_name(e.code) << "): " << e.what() << "\n";
  } catch (const ledger::ledger_unavailable& e) {
    std::cerr << name << ": the ledger is busy: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
  }
  return 1;
}

std::string utc_text(std::int64_t t) {
  const std::int64_t days = (t >= 0 ? t : t - 86399) / 86400;
  const std::int64_t secs = t - days * 86400;
  const civil_date d = civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld UTC", static_cast<long long>(d.year), d.month,
                d.day, static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

}  // namespace atn
