#include "runtime/node/economy_entry.hpp"

#include "runtime/ledger/gate.hpp"
#include "runtime/ledger/sqlite_ledger.hpp"

namespace atn {

namespace fs = std::filesystem;

fs::path default_ledger_path(const fs::path& state_dir) {
  // As the ledger commands (runtime/cli/ledger_access): the nodes of a machine share the file beside their state dirs.
  return fs::absolute(state_dir).lexically_normal().parent_path() / "ledger.sqlite";
}

economy_entry enter_economy(const economy_request& r) {
  const std::string state_dir = r.state_dir.string();
  const std::string& opt_out = r.opt_out;
  economy_entry out;
  const fs::path wallet_file = ledger::wallet::default_path(r.state_dir);
  if (!fs::exists(wallet_file))
    throw economy_closed("no wallet at " + wallet_file.string() + "; create it with `atn-node wallet new --state-dir " +
                         state_dir + "`" + opt_out);
  try {
    out.wallet = std::make_shared<const ledger::wallet>(ledger::wallet::load(wallet_file));
  } catch (const std::exception& e) {
    throw economy_closed(e.what());
  }

  out.ledger_path = r.ledger_path.empty() ? default_ledger_path(r.state_dir) : r.ledger_path;
  if (!fs::exists(out.ledger_path))
    throw economy_closed("no ledger at " + out.ledger_path.string() +
                         "; create it with `atn-node ledger init --genesis FILE --ledger " + out.ledger_path.string() +
                         "` (configs/genesis-example.yaml shows the form) or name another with --ledger" + opt_out);
  try {
    out.ledger = ledger::sqlite_ledger::open(out.ledger_path, ledger::system_clock_seconds());
  } catch (const ledger::ledger_unavailable& e) {
    throw economy_closed("ledger unreachable at " + out.ledger_path.string() + " (busy: " + e.what() +
                             "); start the node again once it is free",
                         true);
  } catch (const std::exception& e) {
    throw economy_closed(std::string(e.what()) + "; name the ledger file with ledger.path or --ledger");
  }

  ledger::gate_options g;
  g.r = r.role;
  g.jurisdiction = r.jurisdiction;
  g.auto_stake = r.auto_stake;
  g.state_dir = state_dir;
  ledger::gate_result gate;
  try {
    gate = ledger::pass_gate(*out.ledger, *out.wallet, g);
  } catch (const ledger::ledger_unavailable& e) {
    throw economy_closed("ledger unreachable at " + out.ledger_path.string() + " (busy: " + e.what() +
                             "); start the node again once it is free",
                         true);
  }
  if (!gate.open) throw economy_closed(gate.message);
  out.standing = gate.message;
  return out;
}

}  // namespace atn
