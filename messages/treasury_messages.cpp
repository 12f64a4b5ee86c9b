#include "messages/treasury_messages.hpp"

#include <cmath>
#include <stdexcept>

namespace atn {

std::string emission_weight(double share) {
  if (!std::isfinite(share) || share < 0 || share > 1)
    throw std::invalid_argument("an emission share must lie in [0, 1], not " + std::to_string(share));
  return std::to_string(static_cast<std::uint64_t>(std::llround(share * 1e12)));
}

}  // namespace atn
