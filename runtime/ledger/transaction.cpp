#include "runtime/ledger/transaction.hpp"

#include "runtime/ledger/wallet.hpp"

#include <cstring>
#include <stdexcept>

namespace atn::ledger {

namespace {
constexpr std::string_view domain = "atn-ledger-tx/1";

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

struct reader {
  std::string_view s;
  std::size_t pos = 0;
  std::string_view take(std::size_t n) {
    if (s.size() - pos < n) throw std::invalid_argument("truncated signed transaction");
    auto r = s.substr(pos, n);
    pos += n;
    return r;
  }
  std::uint64_t uint(int bytes) {
    auto b = take(bytes);
    std::uint64_t v = 0;
    for (unsigned char c : b) v = (v << 8) | c;
    return v;
  }
  std::string str() { return std::string(take(uint(4))); }
};

std::uint64_t parse_u64(const std::string& text, const char* what) {
  if (text.empty() || text.size() > 20)
    throw std::invalid_argument(std::string(what) + " \"" + text + "\" is not an integer");
  for (char c : text)
    if (c < '0' || c > '9') throw std::invalid_argument(std::string(what) + " \"" + text + "\" is not an integer");
  const unsigned long long v = std::stoull(text);
  return v;
}

std::string shares_text(const std::vector<round_share>& shares, bool with_units) {
  std::string out;
  for (const auto& s : shares) {
    if (!out.empty()) out += ';';
    out += s.who.to_lower() + ":" + s.weight.str();
    if (with_units) out += ":" + std::to_string(s.units);
  }
  return out;
}

std::vector<round_share> parse_shares(const std::string& text, bool with_units) {
  std::vector<round_share> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const auto c1 = item.find(':');
    const auto c2 = with_units ? item.find(':', c1 == std::string::npos ? 0 : c1 + 1) : std::string::npos;
    if (c1 == std::string::npos || (with_units && c2 == std::string::npos))
      throw std::invalid_argument("round share \"" + item + "\" is not address:weight" + (with_units ? ":units" : ""));
    round_share s;
    s.who = address::parse(item.substr(0, c1));
    s.weight = amount::parse_units(item.substr(c1 + 1, (with_units ? c2 : item.size()) - c1 - 1)).units();
    if (with_units) s.units = parse_u64(item.substr(c2 + 1), "units");
    out.push_back(s);
    start = end + 1;
  }
  return out;
}
}  // namespace

std::string role_name(role r) {
  switch (r) {
    case role::proposer:
      return "proposer";
    case role::solver:
      return "solver";
    case role::coordinator:
      return "coordinator";
    case role::aggregator:
      return "aggregator";
    case role::validator:
      return "validator";
    case role::inference_provider:
      return "inference-provider";
  }
  return "?";
}

std::optional<role> parse_role(std::string_view text) {
  if (text == "inference_provider") return role::inference_provider;
  for (role r : all_roles)
    if (role_name(r) == text) return r;
  return std::nullopt;
}

std::string specialisation_name(specialisation s) {
  switch (s) {
    case specialisation::text:
      return "text";
    case specialisation::visual:
      return "visual";
    case specialisation::multimodal:
      return "multimodal";
  }
  return "?";
}

std::optional<specialisation> parse_specialisation(std::string_view text) {
  for (auto s : {specialisation::text, specialisation::visual, specialisation::multimodal})
    if (specialisation_name(s) == text) return s;
  return std::nullopt;
}

std::string canonical_encoding(const chain_id& chain, const transaction& tx) {
  std::string out(domain);
  out.append(reinterpret_cast<const char*>(chain.data()), chain.size());
  out.append(reinterpret_cast<const char*>(tx.from.bytes.data()), tx.from.bytes.size());
  put_u64(out, tx.nonce);
  put_str(out, tx.kind);
  put_u32(out, static_cast<std::uint32_t>(tx.fields.size()));
  for (const auto& [k, v] : tx.fields) {
    put_str(out, k);
    put_str(out, v);
  }
  return out;
}

hash256 signing_hash(const chain_id& chain, const transaction& tx) { return keccak256(canonical_encoding(chain, tx)); }

hash256 transaction_hash(const chain_id& chain, const signed_transaction& stx) {
  return keccak256(encode_signed(chain, stx));
}

signed_transaction sign_transaction(const wallet& w, const chain_id& chain, std::uint64_t nonce, const tx_body& body) {
  signed_transaction stx;
  stx.tx.from = w.addr();
  stx.tx.nonce = nonce;
  stx.tx.kind = body.kind;
  stx.tx.fields = body.fields;
  stx.sig = w.sign(signing_hash(chain, stx.tx));
  return stx;
}

std::string encode_signed(const chain_id& chain, const signed_transaction& stx) {
  std::string out = canonical_encoding(chain, stx.tx);
  out.append(reinterpret_cast<const char*>(stx.sig.data()), stx.sig.size());
  return out;
}

signed_transaction decode_signed(const chain_id& chain, std::string_view bytes) {
  reader r{bytes};
  if (r.take(domain.size()) != domain) throw std::invalid_argument("not a signed ledger transaction");
  if (std::memcmp(r.take(32).data(), chain.data(), 32) != 0)
    throw std::invalid_argument("signed transaction is for another ledger (chain id differs)");
  signed_transaction stx;
  std::memcpy(stx.tx.from.bytes.data(), r.take(20).data(), 20);
  stx.tx.nonce = r.uint(8);
  stx.tx.kind = r.str();
  const std::uint64_t n = r.uint(4);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string k = r.str();
    stx.tx.fields[k] = r.str();
  }
  std::memcpy(stx.sig.data(), r.take(65).data(), 65);
  if (r.pos != bytes.size()) throw std::invalid_argument("trailing bytes after a signed transaction");
  return stx;
}

namespace tx {
tx_body transfer(const address& to, const amount& value) {
  return {std::string(tx_kind::transfer), {{"to", to.to_lower()}, {"amount", value.units_string()}}};
}
tx_body stake(role r, const amount& value) {
  return {std::string(tx_kind::stake), {{"role", role_name(r)}, {"amount", value.units_string()}}};
}
tx_body add_to_stake(const amount& value) {
  return {std::string(tx_kind::add_to_stake), {{"amount", value.units_string()}}};
}
tx_body request_unstake() { return {std::string(tx_kind::request_unstake), {}}; }
tx_body unstake() { return {std::string(tx_kind::unstake), {}}; }
tx_body slash(const address& who, const amount& value, const std::string& reason) {
  return {std::string(tx_kind::slash), {{"who", who.to_lower()}, {"amount", value.units_string()}, {"reason", reason}}};
}
tx_body attest_usage(const address& service, std::uint64_t units, const std::string& jurisdiction,
                     std::uint64_t round) {
  tx_body b{std::string(tx_kind::attest_usage), {{"service", service.to_lower()}, {"units", std::to_string(units)}}};
  if (!jurisdiction.empty()) {
    b.fields["jurisdiction"] = jurisdiction;
    b.fields["round"] = std::to_string(round);
  }
  return b;
}
tx_body close_round(const round_result& r) {
  return {std::string(tx_kind::close_round),
          {{"jurisdiction", r.jurisdiction},
           {"round", std::to_string(r.round)},
           {"solvers", shares_text(r.solvers, true)},
           {"coordinators", shares_text(r.coordinators, false)}}};
}
tx_body claim_reward(std::uint64_t epoch) {
  return {std::string(tx_kind::claim_reward), {{"epoch", std::to_string(epoch)}}};
}
tx_body create_jurisdiction(const std::string& name, specialisation s) {
  return {std::string(tx_kind::create_jurisdiction), {{"name", name}, {"specialisation", specialisation_name(s)}}};
}
tx_body join_jurisdiction(const std::string& name) {
  return {std::string(tx_kind::join_jurisdiction), {{"name", name}}};
}
tx_body leave_jurisdiction(const std::string& name) {
  return {std::string(tx_kind::leave_jurisdiction), {{"name", name}}};
}
tx_body set_role_params(role r, const amount& minimum, std::int64_t lockup_seconds) {
  return {std::string(tx_kind::set_role_params),
          {{"role", role_name(r)}, {"minimum", minimum.units_string()}, {"lockup", std::to_string(lockup_seconds)}}};
}
}  // namespace tx

round_result parse_round_result(const std::map<std::string, std::string>& f) {
  const auto get = [&](const char* k) -> const std::string& {
    auto it = f.find(k);
    if (it == f.end()) throw std::invalid_argument(std::string("close_round lacks the field ") + k);
    return it->second;
  };
  round_result r;
  r.jurisdiction = get("jurisdiction");
  r.round = parse_u64(get("round"), "round");
  r.solvers = parse_shares(get("solvers"), true);
  r.coordinators = parse_shares(get("coordinators"), false);
  return r;
}

}  // namespace atn::ledger
