#include "model/schedules.hpp"

#include <algorithm>
#include <cmath>

namespace atn {

double learning_rate_at(std::int64_t step, std::int64_t total, std::int64_t warmup, double peak, double floor) {
  if (warmup > 0 && step < warmup) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const double span = std::max<std::int64_t>(1, total - warmup);
  const double progress = std::clamp(static_cast<double>(step - warmup) / span, 0.0, 1.0);
  return floor + 0.5 * (peak - floor) * (1.0 + std::cos(M_PI * progress));
}

double ema_momentum_at(std::int64_t step, std::int64_t total, double start, double end) {
  if (total <= 0) return end;
  const double progress = std::clamp(static_cast<double>(step) / static_cast<double>(total), 0.0, 1.0);
  return start + (end - start) * progress;
}

}  // namespace atn
