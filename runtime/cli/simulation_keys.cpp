#include "runtime/cli/simulation_keys.hpp"

#include "runtime/transport/curve_keys.hpp"

namespace atn {

std::map<std::string, std::string> make_simulation_keys(const std::filesystem::path& state,
                                                        const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  for (const auto& id : ids) out[id] = load_or_create_curve_keys(state / id).public_key;
  return out;
}

}  // namespace atn
