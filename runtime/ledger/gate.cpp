#include "runtime/ledger/gate.hpp"

#include <algorithm>
#include <optional>

namespace atn::ledger {

namespace {

std::string state_dir_option(const gate_options& o) {
  return o.state_dir.empty() ? std::string() : " --state-dir " + o.state_dir;
}

std::optional<jurisdiction_info> find_jurisdiction(ledger& l, const std::string& name) {
  for (auto& j : l.jurisdictions())
    if (j.name == name) return std::move(j);
  return std::nullopt;
}

bool is_member(const jurisdiction_info& j, const address& who) {
  return j.aggregator == who || std::find(j.members.begin(), j.members.end(), who) != j.members.end();
}

}  // namespace

gate_result pass_gate(ledger& l, const wallet& w, const gate_options& o) {
  gate_result out;
  const std::string who = w.addr().to_string();
  const std::string role_text = role_name(o.r);
  const amount minimum = l.roles().at(o.r).minimum;
  std::vector<std::string> done;

  if (!l.is_active(w.addr(), o.r)) {
    if (const auto s = l.stake_of(w.addr())) {
      // A stake of another role, one being unstaked, or one slashed below the minimum: the person decides.
      out.message = "wallet " + who + " holds a " + role_name(s->r) + " stake of " + s->value.to_string() +
                    (s->unstake_requested_at ? " being unstaked"
                     : s->active             ? ""
                                             : " that is inactive") +
                    ", not an active " + role_text + " stake of at least " + minimum.to_string() +
                    "; after `atn-node unstake" + state_dir_option(o) + "` run `atn-node stake " + role_text + " " +
                    minimum.to_string() + state_dir_option(o) + "`";
      return out;
    }
    const amount balance = l.balance(w.addr());
    if (!o.auto_stake || balance < minimum) {
      out.message = "wallet " + who + " has no " + role_text + " stake" +
                    (balance < minimum ? " and its balance " + balance.to_string() + " < " + minimum.to_string() +
                                             "; fund it (atn-node transfer " + who + " AMOUNT, from a funded wallet)"
                                       : "; run `atn-node stake " + role_text + " " + minimum.to_string() +
                                             state_dir_option(o) + "`");
      return out;
    }
    try {
      out.transactions.push_back(submit_as(l, w, tx::stake(o.r, minimum)));
    } catch (const ledger_refusal& r) {
      out.message = "cannot stake " + minimum.to_string() + " as " + role_text + ": " + r.what();
      return out;
    }
    done.push_back("staked " + minimum.to_string() + " as " + role_text);
  }

  const auto jurisdiction = o.jurisdiction.empty() ? std::nullopt : find_jurisdiction(l, o.jurisdiction);
  if (!o.jurisdiction.empty() && !(jurisdiction && is_member(*jurisdiction, w.addr()))) {
    if (!jurisdiction && o.r == role::aggregator && o.auto_stake) {
      // An aggregator without its jurisdiction founds it (the guild stake).
      try {
        out.transactions.push_back(submit_as(l, w, tx::create_jurisdiction(o.jurisdiction, o.spec)));
      } catch (const ledger_refusal& r) {
        out.message = "cannot create jurisdiction '" + o.jurisdiction + "': " + r.what();
        return out;
      }
      done.push_back("created jurisdiction '" + o.jurisdiction + "' (" + specialisation_name(o.spec) + ")");
      out.open = true;
      out.message = "wallet " + who + ": active aggregator stake, aggregator of jurisdiction '" + o.jurisdiction + "'";
      for (const auto& d : done) out.message += "; " + d;
      return out;
    }
    if (!jurisdiction) {
      out.message = "jurisdiction '" + o.jurisdiction +
                    "' does not exist; create it with `atn-node jurisdiction create " + o.jurisdiction +
                    " --spec text" + state_dir_option(o) + "` or pick one from `atn-node jurisdiction list`";
      return out;
    }
    if (o.r == role::aggregator) {
      out.message = "jurisdiction '" + o.jurisdiction + "' has the aggregator " + jurisdiction->aggregator.to_string() +
                    ", not " + who + "; a jurisdiction has one aggregator";
      return out;
    }
    if (!o.auto_stake) {
      out.message = "wallet " + who + " is not a member of jurisdiction '" + o.jurisdiction +
                    "'; run `atn-node jurisdiction join " + o.jurisdiction + state_dir_option(o) + "`";
      return out;
    }
    try {
      out.transactions.push_back(submit_as(l, w, tx::join_jurisdiction(o.jurisdiction)));
    } catch (const ledger_refusal& r) {
      out.message = "cannot join jurisdiction '" + o.jurisdiction + "': " + r.what();
      return out;
    }
    done.push_back("joined jurisdiction '" + o.jurisdiction + "'");
  }

  out.open = true;
  out.message = "wallet " + who + ": active " + role_text + " stake" +
                (o.jurisdiction.empty() ? std::string() : " in jurisdiction '" + o.jurisdiction + "'");
  for (const auto& d : done) out.message += "; " + d;
  return out;
}

}  // namespace atn::ledger
