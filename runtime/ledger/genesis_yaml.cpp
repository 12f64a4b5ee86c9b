#include "runtime/ledger/genesis_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <set>
#include <stdexcept>

namespace atn::ledger {

namespace {
[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw std::invalid_argument("genesis: " + key + " " + what);
}

std::string scalar_text(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(key, "must be a single value, not a list or a map");
  return n.Scalar();
}

std::int64_t integer(const YAML::Node& n, const std::string& key, std::int64_t lo, std::int64_t hi) {
  const std::string text = scalar_text(n, key);
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) fail(key, "\"" + text + "\" is not an integer");
  if (v < lo || v > hi)
    fail(key, "\"" + text + "\" is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

amount atn_amount(const YAML::Node& n, const std::string& key) {
  const std::string text = scalar_text(n, key);
  try {
    return amount::parse(text);
  } catch (const amount_error& e) {
    fail(key, e.what());
  }
}

address addr(const std::string& text, const std::string& key) {
  try {
    return address::parse(text);
  } catch (const std::invalid_argument& e) {
    fail(key, "\"" + text + "\": " + e.what());
  }
}

void check_keys(const YAML::Node& map, const std::string& where, const std::set<std::string>& known) {
  for (const auto& kv : map) {
    const std::string k = kv.first.as<std::string>();
    if (!known.count(k)) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      fail(where + k, "is not a genesis key (known: " + list + ")");
    }
  }
}

void check_chain_name(const std::string& name) {
  if (name.empty()) fail("chain_name", "is empty");
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      fail("chain_name", "\"" + name + "\" may hold only letters, digits, '.', '_' and '-'");
}
}  // namespace

genesis parse_genesis_yaml(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument(std::string("genesis: not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) throw std::invalid_argument("genesis: the file must be a YAML map of keys");
  check_keys(root, "",
             {"chain_name", "genesis_time", "epoch_length_seconds", "initial_epoch_budget", "decay_bps", "guild_stake",
              "member_stake", "governance", "slashers", "balances", "roles"});
  genesis g;
  if (root["chain_name"]) g.chain_name = scalar_text(root["chain_name"], "chain_name");
  check_chain_name(g.chain_name);
  constexpr std::int64_t max_time = std::int64_t{1} << 40;  // far beyond any real date, no overflow
  if (root["genesis_time"]) g.genesis_time = integer(root["genesis_time"], "genesis_time", 0, max_time);
  if (root["epoch_length_seconds"])
    g.epoch_length_seconds = integer(root["epoch_length_seconds"], "epoch_length_seconds", 1, max_time);
  if (root["initial_epoch_budget"])
    g.initial_epoch_budget = atn_amount(root["initial_epoch_budget"], "initial_epoch_budget");
  if (root["decay_bps"]) g.decay_bps = static_cast<std::uint32_t>(integer(root["decay_bps"], "decay_bps", 0, 10000));
  if (root["guild_stake"]) g.guild_stake = atn_amount(root["guild_stake"], "guild_stake");
  if (root["member_stake"]) g.member_stake = atn_amount(root["member_stake"], "member_stake");
  if (root["governance"]) g.governance = addr(scalar_text(root["governance"], "governance"), "governance");
  if (const auto s = root["slashers"]) {
    if (!s.IsSequence()) fail("slashers", "must be a list of addresses");
    for (std::size_t i = 0; i < s.size(); ++i) {
      const std::string key = "slashers[" + std::to_string(i) + "]";
      const address a = addr(scalar_text(s[i], key), key);
      for (const auto& known : g.slashers)
        if (known == a) fail(key, "\"" + s[i].Scalar() + "\" is listed twice");
      g.slashers.push_back(a);
    }
  }
  if (const auto b = root["balances"]) {
    if (!b.IsMap()) fail("balances", "must be a map of address: amount");
    for (const auto& kv : b) {
      const std::string a_text = kv.first.as<std::string>();
      const std::string key = "balances." + a_text;
      const address a = addr(a_text, key);
      if (g.balances.count(a)) fail(key, "is listed twice");
      g.balances[a] = atn_amount(kv.second, key);
    }
  }
  if (const auto r = root["roles"]) {
    if (!r.IsMap()) fail("roles", "must be a map of role: {minimum, lockup_seconds}");
    for (const auto& kv : r) {
      const std::string name = kv.first.as<std::string>();
      const auto parsed = parse_role(name);
      if (!parsed)
        fail("roles." + name,
             "is not a role (proposer, solver, coordinator, aggregator, validator, inference-provider)");
      const std::string key = "roles." + name;
      if (!kv.second.IsMap()) fail(key, "must be a map {minimum: AMOUNT, lockup_seconds: N}");
      check_keys(kv.second, key + ".", {"minimum", "lockup_seconds"});
      role_params& p = g.roles[*parsed];
      if (kv.second["minimum"]) p.minimum = atn_amount(kv.second["minimum"], key + ".minimum");
      if (kv.second["lockup_seconds"])
        p.lockup_seconds = integer(kv.second["lockup_seconds"], key + ".lockup_seconds", 0, max_time);
    }
  }
  return g;
}

std::string genesis_canonical_text(const genesis& g) {
  // Amounts are quoted so the text reads the same to any YAML parser; to_string is exact.
  const auto q = [](const std::string& s) { return "\"" + s + "\""; };
  std::string out = "# atn ledger genesis, canonical form: its keccak256 is the chain id\n";
  out += "chain_name: " + g.chain_name + "\n";
  out += "genesis_time: " + std::to_string(g.genesis_time) + "\n";
  out += "epoch_length_seconds: " + std::to_string(g.epoch_length_seconds) + "\n";
  out += "initial_epoch_budget: " + q(g.initial_epoch_budget.to_string()) + "\n";
  out += "decay_bps: " + std::to_string(g.decay_bps) + "\n";
  out += "guild_stake: " + q(g.guild_stake.to_string()) + "\n";
  out += "member_stake: " + q(g.member_stake.to_string()) + "\n";
  if (g.governance) out += "governance: " + q(g.governance->to_lower()) + "\n";
  std::set<address> slashers(g.slashers.begin(), g.slashers.end());
  out += slashers.empty() ? "slashers: []\n" : "slashers:\n";
  for (const auto& s : slashers) out += "  - " + q(s.to_lower()) + "\n";
  out += g.balances.empty() ? "balances: {}\n" : "balances:\n";
  for (const auto& [a, v] : g.balances) out += "  " + q(a.to_lower()) + ": " + q(v.to_string()) + "\n";
  out += "roles:\n";
  for (role r : all_roles) {
    const auto it = g.roles.find(r);
    const role_params p = it == g.roles.end() ? role_params{} : it->second;
    out += "  " + role_name(r) + ": {minimum: " + q(p.minimum.to_string()) +
           ", lockup_seconds: " + std::to_string(p.lockup_seconds) + "}\n";
  }
  return out;
}

chain_id genesis_chain_id(const genesis& g) { return keccak256(genesis_canonical_text(g)); }

}  // namespace atn::ledger
