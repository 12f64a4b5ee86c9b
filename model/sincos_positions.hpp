// Fixed sine-cosine position tables (as in MAE / I-JEPA): 1-D for text, 2-D for image patches.
#pragma once

#include <torch/torch.h>

namespace atn {

/// [length, dim] table for positions 0..length-1.
torch::Tensor sincos_1d(std::int64_t length, std::int64_t dim);

/// [side*side, dim] table for a side×side patch grid, row-major; half the dims encode the row,
/// half the column.
torch::Tensor sincos_2d(std::int64_t side, std::int64_t dim);

}  // namespace atn
