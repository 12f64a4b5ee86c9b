#include "runtime/ledger/ledger_rules.hpp"

#include "runtime/ledger/emission.hpp"

#include <algorithm>
#include <stdexcept>

namespace atn::ledger {

namespace {
[[noreturn]] void refuse(refusal code, const std::string& message) { throw ledger_refusal(code, message); }

const std::string& field(const transaction& tx, const char* name) {
  const auto it = tx.fields.find(name);
  if (it == tx.fields.end()) refuse(refusal::malformed, tx.kind + " lacks the field \"" + name + "\"");
  return it->second;
}

amount amount_field(const transaction& tx, const char* name) {
  const std::string& text = field(tx, name);
  try {
    return amount::parse_units(text);
  } catch (const amount_error& e) {
    refuse(refusal::malformed, tx.kind + " field " + name + ": " + e.what());
  }
}

std::uint64_t count_field(const transaction& tx, const char* name) {
  const std::string& text = field(tx, name);
  const bool digits = !text.empty() && text.size() <= 18 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) refuse(refusal::malformed, tx.kind + " field " + name + " \"" + text + "\" is not a count below 10^18");
  return std::stoull(text);
}

address address_field(const transaction& tx, const char* name) {
  const std::string& text = field(tx, name);
  try {
    return address::parse(text);
  } catch (const std::invalid_argument& e) {
    refuse(refusal::malformed, tx.kind + " field " + name + ": " + e.what());
  }
}

role role_field(const transaction& tx) {
  const std::string& text = field(tx, "role");
  const auto r = parse_role(text);
  if (!r)
    refuse(refusal::malformed, "role \"" + text +
                                   "\" is not one of proposer, solver, coordinator, aggregator, validator, "
                                   "inference-provider");
  return *r;
}

std::string who(const address& a) { return a.to_string(); }

void debit(ledger_tables& t, const address& a, const amount& v, const std::string& purpose) {
  const amount have = t.balance(a);
  if (have < v)
    refuse(refusal::insufficient_balance, "balance " + have.to_string() + " < " + v.to_string() + " needed to " +
                                              purpose + " (" + who(a) + "); receive ATN by a transfer first");
  t.set_balance(a, have - v);
}

void credit(ledger_tables& t, const address& a, const amount& v) { t.set_balance(a, t.balance(a) + v); }

role_params params_of(ledger_tables& t, role r) {
  const auto all = t.roles();
  const auto it = all.find(r);
  return it == all.end() ? role_params{} : it->second;
}

stake_info held_stake(ledger_tables& t, const address& a) {
  auto s = t.stake(a);
  if (!s) refuse(refusal::no_stake, who(a) + " holds no stake; `atn-node stake ROLE AMOUNT` stakes");
  return *s;
}

receipt transfer(ledger_tables& t, const transaction& tx) {
  const address to = address_field(tx, "to");
  const amount v = amount_field(tx, "amount");
  debit(t, tx.from, v, "transfer " + v.to_string());
  credit(t, to, v);
  return {{}, 0, v};
}

receipt stake(ledger_tables& t, const transaction& tx, std::int64_t now) {
  const role r = role_field(tx);
  const amount v = amount_field(tx, "amount");
  if (const auto s = t.stake(tx.from))
    refuse(refusal::already_staked, who(tx.from) + " already holds a " + role_name(s->r) + " stake of " +
                                        s->value.to_string() +
                                        "; add to it (`atn-node stake ROLE AMOUNT --add`) or unstake it first");
  const role_params p = params_of(t, r);
  if (v < p.minimum)
    refuse(refusal::below_minimum, "stake " + v.to_string() + " < the " + role_name(r) + " minimum " +
                                       p.minimum.to_string() + "; stake at least " + p.minimum.to_string());
  debit(t, tx.from, v, "stake " + v.to_string() + " as " + role_name(r));
  t.put_stake(tx.from, stake_info{r, v, now, std::nullopt, true});
  return {{}, 0, v};
}

receipt add_to_stake(ledger_tables& t, const transaction& tx) {
  const amount v = amount_field(tx, "amount");
  stake_info s = held_stake(t, tx.from);
  if (s.unstake_requested_at)
    refuse(refusal::unstake_pending, who(tx.from) + " requested its unstake at " +
                                         std::to_string(*s.unstake_requested_at) +
                                         "; nothing can be added to a stake being unstaked");
  if (!s.active)
    refuse(refusal::no_stake, who(tx.from) + "'s " + role_name(s.r) + " stake of " + s.value.to_string() +
                                  " is inactive (slashed below the minimum); request_unstake and unstake it, "
                                  "then stake again");
  debit(t, tx.from, v, "add " + v.to_string() + " to the stake");
  s.value += v;
  t.put_stake(tx.from, s);
  return {{}, 0, s.value};
}

receipt request_unstake(ledger_tables& t, const transaction& tx, std::int64_t now) {
  stake_info s = held_stake(t, tx.from);
  if (s.unstake_requested_at)
    refuse(refusal::unstake_pending, who(tx.from) + " requested its unstake already, at " +
                                         std::to_string(*s.unstake_requested_at) +
                                         "; `atn-node unstake` after the lock-up pays it back");
  s.unstake_requested_at = now;
  s.active = false;
  t.put_stake(tx.from, s);
  return {{}, 0, s.value};
}

receipt unstake(ledger_tables& t, const transaction& tx, std::int64_t now) {
  const stake_info s = held_stake(t, tx.from);
  if (!s.unstake_requested_at)
    refuse(refusal::no_unstake_request,
           who(tx.from) + " has not requested its unstake; `atn-node unstake --request` starts the lock-up");
  // The role's current lock-up (governance may change it) counts from the request.
  const std::int64_t ends = *s.unstake_requested_at + params_of(t, s.r).lockup_seconds;
  if (now < ends)
    refuse(refusal::locked, "the " + role_name(s.r) + " stake's lock-up ends at " + std::to_string(ends) + " (" +
                                std::to_string(ends - now) + " s from now); unstake then");
  t.delete_stake(tx.from);
  credit(t, tx.from, s.value);
  return {{}, 0, s.value};
}

receipt slash(ledger_tables& t, const genesis& g, const transaction& tx) {
  const address target = address_field(tx, "who");
  const amount v = amount_field(tx, "amount");
  field(tx, "reason");
  if (std::find(g.slashers.begin(), g.slashers.end(), tx.from) == g.slashers.end())
    refuse(refusal::not_authorised, who(tx.from) + " is not an authorised slasher (the genesis lists them)");
  stake_info s = held_stake(t, target);
  const amount burned = std::min(v, s.value);
  s.value -= burned;
  if (s.value < params_of(t, s.r).minimum) s.active = false;
  if (s.value.is_zero())
    t.delete_stake(target);
  else
    t.put_stake(target, s);
  t.set_total("burned", t.total("burned") + burned);
  return {{}, 0, burned};
}

receipt set_role_params(ledger_tables& t, const genesis& g, const transaction& tx) {
  const role r = role_field(tx);
  const amount minimum = amount_field(tx, "minimum");
  const std::int64_t lockup = static_cast<std::int64_t>(count_field(tx, "lockup"));
  if (!g.governance || *g.governance != tx.from)
    refuse(refusal::not_authorised, who(tx.from) + " is not the governance address" +
                                        (g.governance ? " (" + who(*g.governance) + ")" : " (the genesis names none)"));
  t.set_role(r, role_params{minimum, lockup});
  return {};
}

bool has_active_stake(ledger_tables& t, const address& a) {
  const auto s = t.stake(a);
  return s && s->active && s->value >= params_of(t, s->r).minimum;
}

receipt attest_usage(ledger_tables& t, const transaction& tx, std::uint64_t epoch) {
  const address service = address_field(tx, "service");
  const std::uint64_t units = count_field(tx, "units");
  const bool for_round = tx.fields.count("jurisdiction") != 0;
  const std::uint64_t round = for_round ? count_field(tx, "round") : 0;
  if (units == 0) return {};  // the contract's rule: attesting nothing does nothing
  if (!has_active_stake(t, service))
    refuse(refusal::inactive_service,
           "service " + who(service) + " has no active stake; usage of a service counts only while it is staked");
  try {
    t.add_usage(tx.from, service, epoch, units);
    if (for_round) {
      const std::string& name = field(tx, "jurisdiction");
      const auto j = t.jurisdiction(name);
      if (!j) refuse(refusal::unknown_jurisdiction, "no jurisdiction \"" + name + "\"; `atn-node jurisdiction list`");
      if (j->aggregator != service)
        refuse(refusal::malformed, "training for jurisdiction \"" + name + "\" is attested to its aggregator " +
                                       who(j->aggregator) + ", not to " + who(service));
      t.add_round_usage(tx.from, name, round, units);
    }
  } catch (const std::overflow_error& e) {
    refuse(refusal::malformed, std::string("attest_usage: ") + e.what());
  }
  return {};
}

receipt close_round(ledger_tables& t, const transaction& tx, std::uint64_t epoch) {
  round_result r;
  try {
    r = parse_round_result(tx.fields);
  } catch (const std::exception& e) {
    refuse(refusal::malformed, std::string("close_round: ") + e.what());
  }
  const auto j = t.jurisdiction(r.jurisdiction);
  if (!j)
    refuse(refusal::unknown_jurisdiction,
           "no jurisdiction \"" + r.jurisdiction + "\"; `atn-node jurisdiction list` lists them");
  if (j->aggregator != tx.from)
    refuse(refusal::not_authorised,
           who(tx.from) + " is not the aggregator of \"" + r.jurisdiction + "\" (" + who(j->aggregator) + " is)");
  if (t.round_closed(r.jurisdiction, r.round))
    refuse(refusal::round_closed, "round " + std::to_string(r.round) + " of \"" + r.jurisdiction +
                                      "\" is closed already; a round closes once");
  t.put_round({r.jurisdiction, r.round, field(tx, "solvers"), field(tx, "coordinators")}, epoch);
  t.count_round(epoch);
  return {};
}

receipt claim_reward(ledger_tables& t, const genesis& g, const transaction& tx, std::uint64_t epoch) {
  const std::uint64_t n = count_field(tx, "epoch");
  if (n == 0) refuse(refusal::malformed, "claim_reward: epochs count from 1");
  if (n >= epoch) {
    const std::int64_t end = epoch_start(g.genesis_time, g.epoch_length_seconds, n + 1);
    refuse(refusal::epoch_not_final, "epoch " + std::to_string(n) + " ends at " + std::to_string(end) +
                                         "; its rewards are claimable after it (now epoch " + std::to_string(epoch) +
                                         ")");
  }
  const auto r = t.reward(tx.from, n);
  if (!r) refuse(refusal::nothing_to_claim, who(tx.from) + " earned no reward in epoch " + std::to_string(n));
  if (r->claimed)
    refuse(refusal::already_claimed, "the reward of epoch " + std::to_string(n) + " (" + r->value.to_string() +
                                         ") was claimed already; each is claimed once");
  t.mark_claimed(tx.from, n);
  credit(t, tx.from, r->value);
  return {{}, 0, r->value};
}

void not_in_a_jurisdiction(ledger_tables& t, const address& a) {
  if (const auto m = t.membership(a))
    refuse(refusal::already_member, who(a) + " is a member of \"" + m->jurisdiction +
                                        "\" already; leave it first (`atn-node jurisdiction leave " + m->jurisdiction +
                                        "`)");
  if (const auto name = t.aggregated_by(a))
    refuse(refusal::already_member, who(a) + " is the aggregator of \"" + *name + "\"; a node serves one jurisdiction");
}

receipt create_jurisdiction(ledger_tables& t, const genesis& g, const transaction& tx) {
  const std::string& name = field(tx, "name");
  const std::string& spec_text = field(tx, "specialisation");
  if (name.empty() || name.size() > 64)
    refuse(refusal::malformed, "jurisdiction name \"" + name + "\" must have 1 to 64 characters");
  const auto spec = parse_specialisation(spec_text);
  if (!spec) refuse(refusal::malformed, "specialisation \"" + spec_text + "\" is not text, visual or multimodal");
  if (t.jurisdiction(name)) refuse(refusal::jurisdiction_exists, "jurisdiction \"" + name + "\" exists already");
  not_in_a_jurisdiction(t, tx.from);
  debit(t, tx.from, g.guild_stake, "stake the guild stake " + g.guild_stake.to_string());
  t.put_jurisdiction({name, *spec, tx.from, g.guild_stake, {}});
  return {{}, 0, g.guild_stake};
}

receipt join_jurisdiction(ledger_tables& t, const genesis& g, const transaction& tx) {
  const std::string& name = field(tx, "name");
  auto j = t.jurisdiction(name);
  if (!j) refuse(refusal::unknown_jurisdiction, "no jurisdiction \"" + name + "\"; `atn-node jurisdiction list`");
  not_in_a_jurisdiction(t, tx.from);
  debit(t, tx.from, g.member_stake, "stake the member stake " + g.member_stake.to_string());
  t.add_member(tx.from, name, g.member_stake);
  j->treasury += g.member_stake;
  t.put_jurisdiction(*j);
  return {{}, 0, g.member_stake};
}

receipt leave_jurisdiction(ledger_tables& t, const transaction& tx) {
  const std::string& name = field(tx, "name");
  auto j = t.jurisdiction(name);
  if (!j) refuse(refusal::unknown_jurisdiction, "no jurisdiction \"" + name + "\"; `atn-node jurisdiction list`");
  if (j->aggregator == tx.from) {
    const std::uint64_t members = t.member_count(name);
    if (members > 0)
      refuse(refusal::aggregator_has_members,
             "the aggregator cannot leave \"" + name + "\" while " + std::to_string(members) + " member(s) remain");
    t.delete_jurisdiction(name);  // the treasury holds the guild stake alone now
    credit(t, tx.from, j->treasury);
    return {{}, 0, j->treasury};
  }
  const auto m = t.membership(tx.from);
  if (!m || m->jurisdiction != name) refuse(refusal::not_member, who(tx.from) + " is not a member of \"" + name + "\"");
  t.remove_member(tx.from);
  j->treasury -= m->stake;
  t.put_jurisdiction(*j);
  credit(t, tx.from, m->stake);
  return {{}, 0, m->stake};
}
}  // namespace

std::uint64_t settled_through(ledger_tables& t) {
  const auto v = t.meta("settled_through");
  return v ? std::stoull(*v) : 0;
}

void settle_ended_epochs(ledger_tables& t, const genesis& g, std::uint64_t current_epoch) {
  const std::uint64_t done = settled_through(t);
  if (current_epoch == 0 || done + 1 >= current_epoch) return;
  for (const std::uint64_t n : t.epochs_with_rounds(done, current_epoch)) {
    const amount share = round_share(epoch_budget(g.initial_epoch_budget, g.decay_bps, n), t.epoch_rounds(n));
    std::map<address, amount> earned;
    for (const auto& stored : t.rounds_in(n)) {
      const round_result r = parse_round_result({{"jurisdiction", stored.jurisdiction},
                                                 {"round", std::to_string(stored.round)},
                                                 {"solvers", stored.solvers},
                                                 {"coordinators", stored.coordinators}});
      const auto attested = [&](const address& a) { return t.round_usage(a, r.jurisdiction, r.round); };
      for (const auto& [a, v] : round_rewards(share, r, attested)) earned[a] += v;
    }
    amount minted;
    for (const auto& [a, v] : earned) {
      t.put_reward(a, n, v);
      minted += v;
    }
    t.set_epoch_minted(n, minted);
    t.set_total("minted", t.total("minted") + minted);
  }
  t.set_meta("settled_through", std::to_string(current_epoch - 1));
}

receipt apply_rule(ledger_tables& t, const genesis& g, const transaction& tx, std::int64_t now, std::uint64_t epoch) {
  const std::string& k = tx.kind;
  try {
    if (k == tx_kind::transfer) return transfer(t, tx);
    if (k == tx_kind::stake) return stake(t, tx, now);
    if (k == tx_kind::add_to_stake) return add_to_stake(t, tx);
    if (k == tx_kind::request_unstake) return request_unstake(t, tx, now);
    if (k == tx_kind::unstake) return unstake(t, tx, now);
    if (k == tx_kind::slash) return slash(t, g, tx);
    if (k == tx_kind::set_role_params) return set_role_params(t, g, tx);
    if (k == tx_kind::attest_usage) return attest_usage(t, tx, epoch);
    if (k == tx_kind::close_round) return close_round(t, tx, epoch);
    if (k == tx_kind::claim_reward) return claim_reward(t, g, tx, epoch);
    if (k == tx_kind::create_jurisdiction) return create_jurisdiction(t, g, tx);
    if (k == tx_kind::join_jurisdiction) return join_jurisdiction(t, g, tx);
    if (k == tx_kind::leave_jurisdiction) return leave_jurisdiction(t, tx);
  } catch (const amount_error& e) {
    refuse(refusal::malformed, k + ": " + e.what());
  }
  refuse(refusal::malformed, "unknown transaction kind \"" + k + "\"");
}

}  // namespace atn::ledger
