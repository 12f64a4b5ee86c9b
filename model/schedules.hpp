// Learning-rate and EMA-momentum schedules (torch-free, pure functions of the step).
#pragma once

#include <cstdint>

namespace atn {

/// Linear warm-up from 0 to `peak` over `warmup` steps, then cosine down to `floor` at `total`.
double learning_rate_at(std::int64_t step, std::int64_t total, std::int64_t warmup, double peak, double floor);

/// EMA momentum rising linearly from `start` (step 0) to `end` (step total), as in I-JEPA.
double ema_momentum_at(std::int64_t step, std::int64_t total, double start, double end);

}  // namespace atn
