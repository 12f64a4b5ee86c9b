#include "runtime/config/federation_options.hpp"

#include <cctype>
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

}  // namespace atn
