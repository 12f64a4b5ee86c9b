#include "model/chunked_attention.hpp"
#include "model/transformer_block.hpp"

#include <catch2/catch.hpp>

using namespace atn;

namespace {
torch::Tensor reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias) {
  auto s = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (bias.defined()) s = s + bias;
  return torch::matmul(torch::softmax(s, -1), v);
}
}  // namespace

TEST_CASE("chunked attention matches plain attention, forward and backward", "[model][attention]") {
  torch::manual_seed(3);
  for (std::int64_t chunk : {1, 5, 16, 64}) {
    auto q = torch::randn({2, 3, 17, 8}, torch::requires_grad());
    auto k = torch::randn({2, 3, 23, 8}, torch::requires_grad());
    auto v = torch::randn({2, 3, 23, 8}, torch::requires_grad());
    auto valid = torch::ones({2, 23}, torch::kBool);
    valid.index_put_({1, torch::indexing::Slice(15, torch::indexing::None)}, false);
    auto bias = key_bias_from_valid(valid);
    auto grad = torch::randn({2, 3, 17, 8});

    auto out = chunked_attention(q, k, v, bias, chunk);
    auto dq_dk_dv = torch::autograd::grad({out}, {q, k, v}, {grad});
    auto ref = reference(q, k, v, bias);
    auto ref_grads = torch::autograd::grad({ref}, {q, k, v}, {grad});

    CHECK(torch::allclose(out, ref, 1e-5, 1e-5));
    for (int i = 0; i < 3; ++i) CHECK(torch::allclose(dq_dk_dv[i], ref_grads[i], 1e-4, 1e-5));
  }
}

TEST_CASE("chunked attention honours a causal bias", "[model][attention]") {
  torch::manual_seed(4);
  auto q = torch::randn({1, 2, 9, 4}, torch::requires_grad());
  auto k = torch::randn({1, 2, 9, 4}, torch::requires_grad());
  auto v = torch::randn({1, 2, 9, 4}, torch::requires_grad());
  auto causal = torch::full({9, 9}, -INFINITY).triu(1).view({1, 1, 9, 9});
  auto out = chunked_attention(q, k, v, causal, 4);
  CHECK(torch::allclose(out, reference(q, k, v, causal), 1e-5, 1e-5));
  // Row 0 sees only key 0.
  CHECK(torch::allclose(out.index({0, 0, 0}), v.index({0, 0, 0}), 1e-5, 1e-6));
}
