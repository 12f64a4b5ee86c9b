#include "runtime/config/federation_options.hpp"

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
  }
  return "?";
}

node_role parse_node_role(const std::string& text) {
  for (auto r : {node_role::solver, node_role::coordinator, node_role::aggregator})
    if (text == to_string(r)) return r;
  throw std::invalid_argument("unknown role '" + text + "' (solver, coordinator or aggregator)");
}

}  // namespace atn
