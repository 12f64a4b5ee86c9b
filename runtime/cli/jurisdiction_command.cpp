// `atn-node jurisdiction list | create NAME --spec text|visual|multimodal | join NAME | leave NAME`.
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace atn {

namespace {
struct jurisdiction_options {
  ledger_location where;
  std::string name, spec = "text";
};

int list(const jurisdiction_options& o) {
  auto l = open_ledger(o.where);
  const auto all = l->jurisdictions();
  if (all.empty()) std::cout << "no jurisdictions; `atn-node jurisdiction create NAME --spec text` creates one\n";
  for (const auto& j : all) {
    std::cout << j.name << " (" << ledger::specialisation_name(j.spec) << ") aggregator " << j.aggregator.to_string()
              << ", " << j.members.size() << " members, treasury " << j.treasury.to_string() << "\n";
    for (const auto& m : j.members) std::cout << "  member " << m.to_string() << "\n";
  }
  return 0;
}

int act(const jurisdiction_options& o, const ledger::tx_body& body, const std::string& done) {
  const auto w = load_wallet(o.where);
  auto l = open_ledger(o.where);
  const auto r = ledger::submit_as(*l, w, body);
  std::cout << done << r.value.to_string() << "\nbalance " << l->balance(w.addr()).to_string() << "\n";
  return 0;
}
}  // namespace

void add_jurisdiction_command(CLI::App& app) {
  auto opts = std::make_shared<jurisdiction_options>();
  CLI::App* group = app.add_subcommand("jurisdiction", "List, create, join or leave jurisdictions");
  group->require_subcommand(1);
  CLI::App* list_cmd = group->add_subcommand("list", "Jurisdictions with specialisation, aggregator and members");
  add_ledger_options(list_cmd, opts->where);
  CLI::App* create = group->add_subcommand("create", "Create one (stakes the guild stake; you become its aggregator)");
  create->add_option("name", opts->name, "jurisdiction name")->required();
  create->add_option("--spec", opts->spec, "text, visual or multimodal")->required();
  add_ledger_options(create, opts->where);
  CLI::App* join = group->add_subcommand("join", "Join one (stakes the member stake)");
  join->add_option("name", opts->name, "jurisdiction name")->required();
  add_ledger_options(join, opts->where);
  CLI::App* leave = group->add_subcommand("leave", "Leave one (refunds the stake)");
  leave->add_option("name", opts->name, "jurisdiction name")->required();
  add_ledger_options(leave, opts->where);

  bind_command(list_cmd, [opts] { return run_ledger_command("jurisdiction list", [&] { return list(*opts); }); });
  bind_command(create, [opts] {
    return run_ledger_command("jurisdiction create", [&] {
      const auto s = ledger::parse_specialisation(opts->spec);
      if (!s) throw std::invalid_argument("--spec \"" + opts->spec + "\" is not text, visual or multimodal");
      return act(*opts, ledger::tx::create_jurisdiction(opts->name, *s),
                 "created " + opts->name + "; you are its aggregator; staked ");
    });
  });
  bind_command(join, [opts] {
    return run_ledger_command("jurisdiction join", [&] {
      return act(*opts, ledger::tx::join_jurisdiction(opts->name), "joined " + opts->name + "; staked ");
    });
  });
  bind_command(leave, [opts] {
    return run_ledger_command("jurisdiction leave", [&] {
      return act(*opts, ledger::tx::leave_jurisdiction(opts->name), "left " + opts->name + "; refunded ");
    });
  });
}

}  // namespace atn
