#include "runtime/config/federation_options.hpp"

#include "runtime/transport/curve_keys.hpp"

#include <cctype>
#include <map>
#include <stdexcept>

namespace atn {

const char* to_string(node_role role) {
  switch (role) {
    case node_role::solver:
      return "solver";
    case node_role::coordinator:
      return "coordinator";
    case node_role::aggregator:
      return "aggregator";
    case node_role::network:
      return "network";
  }
  return "?";
}

node_role parse_node_role(const std::string& text) {
  for (auto r : {node_role::solver, node_role::coordinator, node_role::aggregator, node_role::network})
    if (text == to_string(r)) return r;
  throw std::invalid_argument("unknown role '" + text + "' (solver, coordinator, aggregator or network)");
}

std::uint32_t parse_fraction_bps(const std::string& text, const std::string& option) {
  auto bad = [&] {
    return std::invalid_argument(option + " '" + text + "' is not a fraction from 0 to 1 with at most four decimals");
  };
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 1 || frac.size() > 4 || (dot != std::string::npos && frac.empty())) throw bad();
  for (char c : whole + frac)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw bad();
  std::uint32_t bps = static_cast<std::uint32_t>(whole[0] - '0') * 10000;
  std::uint32_t scale = 1000;
  for (char c : frac) bps += static_cast<std::uint32_t>(c - '0') * scale, scale /= 10;
  if (bps > 10000) throw bad();
  return bps;
}

peer_endpoint parse_peer(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw std::invalid_argument("--peer '" + text + "' is not ID=ENDPOINT,KEY");
  peer_endpoint p{text.substr(0, eq), text.substr(eq + 1)};
  if (const auto comma = p.endpoint.rfind(','); comma != std::string::npos) {
    p.public_key = p.endpoint.substr(comma + 1);
    p.endpoint.resize(comma);
    if (p.endpoint.empty()) throw std::invalid_argument("--peer '" + text + "' has no endpoint");
    if (!is_curve_key(p.public_key))
      throw std::invalid_argument("--peer '" + text + "': public key '" + p.public_key +
                                  "' is not a CURVE key (40 Z85 characters, as `atn-node keygen` prints)");
  }
  return p;
}

void check_peer_keys(const federation_node_options& o) {
  if (o.insecure_plaintext) return;
  std::map<std::string, std::string> owner;
  for (const auto& p : o.peers) {
    if (p.public_key.empty())
      throw std::invalid_argument("peer '" + p.id + "' has no CURVE public key: give it as --peer " + p.id +
                                  "=ENDPOINT,KEY or `public_key:` (its `atn-node keygen` prints it), or run without "
                                  "authentication with --insecure-plaintext");
    if (!is_curve_key(p.public_key))
      throw std::invalid_argument("peer '" + p.id + "': public key '" + p.public_key +
                                  "' is not a CURVE key (40 Z85 characters)");
    if (auto [it, fresh] = owner.emplace(p.public_key, p.id); !fresh)
      throw std::invalid_argument("peers '" + it->second + "' and '" + p.id + "' have the same public key");
  }
}

}  // namespace atn
