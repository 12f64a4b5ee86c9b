// `atn-node ledger init --genesis FILE | show | audit [--ledger PATH | --state-dir DIR]`: creates the
// SQLite ledger from a genesis file, summarises it, or replays its audit rows and checks every invariant
// (exit 0 only when the audit is clean).
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"
#include "runtime/ledger/genesis_yaml.hpp"
#include "runtime/util/file_util.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace atn {

namespace {
struct ledger_options {
  ledger_location where;
  std::string genesis_file;
};

int init(const ledger_options& o) {
  const auto text = read_file(o.genesis_file);
  if (!text) throw std::runtime_error("no genesis file at " + o.genesis_file);
  const ledger::genesis g = ledger::parse_genesis_yaml(*text);
  const auto path = ledger_path_of(o.where);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  auto l = ledger::sqlite_ledger::create(path, g, ledger::system_clock_seconds());
  const auto& made = l->genesis_params();
  std::cout << "ledger " << path.string() << "\nchain " << made.chain_name << " 0x" << ledger::to_hex(l->id())
            << "\ngenesis " << utc_text(made.genesis_time) << ", epochs of " << made.epoch_length_seconds
            << " s, first budget " << made.initial_epoch_budget.to_string() << "\nsupply "
            << l->totals().total_supply().to_string() << " over " << made.balances.size() << " accounts\n";
  return 0;
}

int show(const ledger_options& o) {
  auto l = open_ledger(o.where);
  const auto& g = l->genesis_params();
  const auto n = l->current_epoch();
  const auto e = l->epoch(n);
  const auto t = l->totals();
  std::cout << "ledger " << l->path().string() << "\nchain " << g.chain_name << " 0x" << ledger::to_hex(l->id())
            << "\nepoch " << n << " from " << utc_text(e.start) << " to " << utc_text(e.end) << ", budget "
            << e.budget.to_string() << ", " << e.rounds << " rounds closed\n"
            << "supply " << t.total_supply().to_string() << " = genesis " << t.genesis_supply.to_string()
            << " + minted " << t.minted.to_string() << " - burned " << t.burned.to_string() << "\nheld as balances "
            << t.balances.to_string() << ", stakes " << t.stakes.to_string() << ", treasuries "
            << t.treasuries.to_string() << ", unclaimed rewards " << t.unclaimed_rewards.to_string() << "\n";
  for (const auto& [r, p] : l->roles())
    std::cout << "role " << ledger::role_name(r) << ": minimum " << p.minimum.to_string() << ", lock-up "
              << p.lockup_seconds << " s\n";
  std::cout << "jurisdictions " << l->jurisdictions().size() << "\n";
  const auto problems = l->check_invariants();
  for (const auto& p : problems) std::cout << "invariant broken: " << p << "\n";
  std::cout << (problems.empty() ? "invariants hold\n" : "invariants BROKEN; run `atn-node ledger audit`\n");
  return problems.empty() ? 0 : 1;
}

int audit(const ledger_options& o) {
  auto l = open_ledger(o.where);
  const auto rep = l->audit();
  std::cout << "replayed " << rep.transactions << " transactions\nlive digest     0x" << ledger::to_hex(rep.live_digest)
            << "\nreplayed digest 0x" << ledger::to_hex(rep.replayed_digest) << "\n";
  for (const auto& p : rep.problems) std::cout << "problem: " << p << "\n";
  std::cout << (rep.ok ? "audit ok\n" : "audit FAILED\n");
  return rep.ok ? 0 : 1;
}
}  // namespace

void add_ledger_command(CLI::App& app) {
  auto opts = std::make_shared<ledger_options>();
  CLI::App* group = app.add_subcommand("ledger", "Create, summarise or audit the SQLite ledger");
  group->require_subcommand(1);
  CLI::App* init_cmd = group->add_subcommand("init", "Create the ledger from a genesis YAML file (never overwrites)");
  init_cmd->add_option("--genesis", opts->genesis_file, "genesis YAML: balances, emission, roles")->required();
  add_ledger_options(init_cmd, opts->where);
  CLI::App* show_cmd = group->add_subcommand("show", "Epoch, supply, stakes, roles; checks the invariants");
  add_ledger_options(show_cmd, opts->where);
  CLI::App* audit_cmd =
      group->add_subcommand("audit", "Replay every audit row from genesis and compare the state digests");
  add_ledger_options(audit_cmd, opts->where);
  bind_command(init_cmd, [opts] { return run_ledger_command("ledger init", [&] { return init(*opts); }); });
  bind_command(show_cmd, [opts] { return run_ledger_command("ledger show", [&] { return show(*opts); }); });
  bind_command(audit_cmd, [opts] { return run_ledger_command("ledger audit", [&] { return audit(*opts); }); });
}

}  // namespace atn
