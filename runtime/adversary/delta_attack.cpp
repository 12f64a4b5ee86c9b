#include "runtime/adversary/delta_attack.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>

namespace atn {

delta_attack parse_delta_attack(const std::string& text) {
  if (text == "none") return delta_attack::none;
  if (text == "random") return delta_attack::random;
  if (text == "scale") return delta_attack::scale;
  if (text == "signflip") return delta_attack::signflip;
  if (text == "little") return delta_attack::little;
  throw std::invalid_argument("unknown attack '" + text + "' (random, scale, signflip or little)");
}

named_tensors apply_attack(const named_tensors& delta, delta_attack attack, std::uint64_t seed) {
  if (attack == delta_attack::none) return delta;
  double norm = std::sqrt(squared_norm(delta));
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss(0.f, 1.f);
  const auto numel = static_cast<double>(std::max<std::int64_t>(total_numel(delta), 1));
  const float sigma = static_cast<float>(norm / std::sqrt(numel));
  named_tensors out;
  for (const auto& t : delta) {
    auto values = std::make_shared<std::vector<float>>(*t.data);
    for (auto& v : *values) {
      switch (attack) {
        case delta_attack::random:
          v = sigma * gauss(rng);
          break;
        case delta_attack::scale:
          v *= 20.f;
          break;
        case delta_attack::signflip:
          v = -v;
          break;
        case delta_attack::little:
          v *= -0.25f;
          break;
        case delta_attack::none:
          break;
      }
    }
    out.push_back({t.name, t.shape, std::move(values)});
  }
  return out;
}

}  // namespace atn
