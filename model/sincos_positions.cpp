#include "model/sincos_positions.hpp"

namespace atn {
namespace {
// [n, dim] from a vector of positions: sin on the first half, cos on the second.
torch::Tensor encode(const torch::Tensor& positions, std::int64_t dim) {
  const std::int64_t half = dim / 2;
  auto omega = torch::arange(half, torch::kFloat64).div(static_cast<double>(half));
  omega = torch::pow(10000.0, -omega);
  auto angles = positions.to(torch::kFloat64).unsqueeze(1) * omega.unsqueeze(0);
  return torch::cat({angles.sin(), angles.cos()}, 1).to(torch::kFloat32);
}
}  // namespace

torch::Tensor sincos_1d(std::int64_t length, std::int64_t dim) {
  TORCH_CHECK(dim % 2 == 0, "1-D sin-cos needs an even dimension");
  return encode(torch::arange(length), dim);
}

torch::Tensor sincos_2d(std::int64_t side, std::int64_t dim) {
  TORCH_CHECK(dim % 4 == 0, "2-D sin-cos needs a dimension divisible by 4");
  auto idx = torch::arange(side * side);
  auto rows = torch::div(idx, side, "floor");
  auto cols = idx.remainder(side);
  return torch::cat({encode(rows, dim / 2), encode(cols, dim / 2)}, 1);
}

}  // namespace atn
