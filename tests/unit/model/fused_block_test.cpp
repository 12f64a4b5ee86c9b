// The hand-written transformer-block halves, linear layer and attention kernel against plain
// LibTorch compositions, forward and gradient, on one thread and on two.
#include "model/chunked_attention.hpp"
#include "model/transformer_block.hpp"
#include "tests/unit/support/attention_reference.hpp"
#include "tests/unit/support/torch_threads.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace atn;

namespace {

using test::plain_attention;

// The block as LibTorch's own modules and autograd would compute it.
torch::Tensor plain_block(transformer_block& block, const torch::Tensor& x, const torch::Tensor& bias) {
  const auto b = x.size(0), s = x.size(1), d = x.size(2);
  auto qkv = block->qkv(block->norm1(x)).view({b, s, 3, block->heads, d / block->heads}).permute({2, 0, 3, 1, 4});
  auto h = x + block->proj(merge_heads(plain_attention(qkv[0], qkv[1], qkv[2], bias)));
  return h + block->fc2(torch::gelu(block->fc1(block->norm2(h))));
}

// Randomises every parameter (norm gains and biases included) so no gradient path is trivial.
void randomise(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.parameters()) p.copy_(torch::randn(p.sizes()) * 0.3 + (p.dim() == 1 ? 0.1 : 0.0));
}

std::vector<torch::Tensor> grads_of(const torch::Tensor& out, const torch::Tensor& seed,
                                    const std::vector<torch::Tensor>& wrt) {
  return torch::autograd::grad({out}, wrt, {seed}, /*retain_graph=*/true, false, /*allow_unused=*/true);
}

bool close(const torch::Tensor& a, const torch::Tensor& b, double rtol = 1e-4, double atol = 1e-5) {
  return a.defined() && b.defined() && a.sizes() == b.sizes() && torch::allclose(a, b, rtol, atol);
}

// `out` equals `ref`, and so do their gradients with respect to `wrt` under one random seed;
// returns out's gradients.
std::vector<torch::Tensor> check_same(const torch::Tensor& out, const torch::Tensor& ref,
                                      const std::vector<torch::Tensor>& wrt) {
  CHECK(close(out, ref));
  auto seed = torch::randn(out.sizes());
  auto g = grads_of(out, seed, wrt);
  auto r = grads_of(ref, seed, wrt);
  REQUIRE(g.size() == r.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("gradient " << i);
    CHECK(close(g[i], r[i], 1e-3, 1e-4));
  }
  return g;
}

// The input and every parameter of a block.
std::vector<torch::Tensor> inputs_of(transformer_block& block, const torch::Tensor& x) {
  std::vector<torch::Tensor> wrt{x};
  for (auto& p : block->parameters()) wrt.push_back(p);
  return wrt;
}

// The fused block (key bias and locality) against the plain composition with `plain_bias`: the
// output, the gradients of the input and of every parameter, and the no-grad path's output.
void check_against_plain(transformer_block& block, const torch::Tensor& x, const torch::Tensor& key_bias,
                         const attention_locality& locality, const torch::Tensor& plain_bias) {
  auto ref = plain_block(block, x, plain_bias);
  check_same(block->forward(x, key_bias, locality), ref, inputs_of(block, x));
  // The no-grad path (target encoders) computes the same values.
  torch::NoGradGuard no_grad;
  CHECK(close(block->forward(x, key_bias, locality), ref.detach()));
}

// Runs the body with LibTorch (and so the kernels) on `threads` threads, restoring the count.
using test::with_threads;

}  // namespace

TEST_CASE("fused transformer block matches the plain composition, forward and backward", "[model][fused]") {
  for (int threads : {1, 2}) {
    with_threads(threads, [&] {
      torch::manual_seed(11);
      for (std::int64_t chunk : {3, 16, 64}) {
        for (bool with_bias : {false, true}) {
          transformer_block block(32, 4, 4, chunk);
          randomise(*block);
          auto x = torch::randn({3, 19, 32}, torch::requires_grad());
          torch::Tensor bias;
          if (with_bias) {
            auto valid = torch::ones({3, 19}, torch::kBool);
            valid.index_put_({1, torch::indexing::Slice(11, torch::indexing::None)}, false);
            valid.index_put_({2, torch::indexing::Slice(0, 4)}, false);
            bias = key_bias_from_valid(valid);
          }
          INFO("threads " << threads << " chunk " << chunk << " bias " << with_bias);
          check_against_plain(block, x, bias, {}, bias);
        }
      }
    });
  }
}

TEST_CASE("fused transformer block with a locality bias matches the plain composition", "[model][fused][locality]") {
  for (int threads : {1, 2}) {
    with_threads(threads, [&] {
      torch::manual_seed(12);
      transformer_block block(32, 4, 4, 8);
      randomise(*block);
      auto x = torch::randn({2, 15, 32}, torch::requires_grad());
      auto positions = torch::stack({torch::arange(15) * 3, torch::arange(15) + 40});
      auto slopes = locality_slopes(0.7, 4);
      auto valid = torch::ones({2, 15}, torch::kBool);
      valid.index_put_({1, torch::indexing::Slice(9, torch::indexing::None)}, false);
      auto key_bias = key_bias_from_valid(valid);
      INFO("threads " << threads);
      check_against_plain(block, x, key_bias, token_locality(positions, slopes),
                          key_bias + test::locality_bias(positions, slopes));
    });
  }
}

TEST_CASE("fused MLP matches the plain composition, forward and backward", "[model][fused]") {
  torch::manual_seed(12);
  torch::nn::LayerNorm norm(torch::nn::LayerNormOptions({24}));
  torch::nn::Linear fc1(24, 96), fc2(96, 24);
  randomise(*norm);
  randomise(*fc1);
  randomise(*fc2);
  auto h = torch::randn({2, 7, 24}, torch::requires_grad());
  auto out = fused_mlp(h, norm, fc1, fc2);
  auto ref = h + fc2(torch::gelu(fc1(norm(h))));
  CHECK(close(out, ref));
  std::vector<torch::Tensor> wrt{h, norm->weight, norm->bias, fc1->weight, fc1->bias, fc2->weight, fc2->bias};
  auto seed = torch::randn({2, 7, 24});
  auto g = grads_of(out, seed, wrt);
  auto r = grads_of(ref, seed, wrt);
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("gradient " << i);
    CHECK(close(g[i], r[i], 1e-3, 1e-4));
  }
  // The tolerance is tight enough to see a 1 % error in one gradient.
  CHECK_FALSE(close(g[3], r[3] * 1.01, 1e-3, 1e-4));
}

TEST_CASE("fast_linear matches torch's linear, forward and backward", "[model][fused]") {
  torch::manual_seed(15);
  torch::nn::Linear layer(40, 24);
  randomise(*layer);
  // A non-contiguous 3-D input, as a narrowed sequence is.
  auto base = torch::randn({3, 9, 40}, torch::requires_grad());
  auto x = base.narrow(1, 2, 5);
  auto seed = torch::randn({3, 5, 24});
  for (int threads : {1, 2}) {
    with_threads(threads, [&] {
      auto out = fast_linear(x, layer);
      auto ref = layer(x);
      CHECK(close(out, ref));
      auto g = grads_of(out, seed, {base, layer->weight, layer->bias});
      auto r = grads_of(ref, seed, {base, layer->weight, layer->bias});
      for (std::size_t i = 0; i < g.size(); ++i) {
        INFO("threads " << threads << " gradient " << i);
        CHECK(close(g[i], r[i], 1e-4, 1e-5));
      }
    });
  }
}

TEST_CASE("attention kernel handles per-query biases, strided operands and uneven blocks", "[model][attention]") {
  torch::manual_seed(13);
  // q, k, v sliced out of one fused projection, as the blocks pass them.
  auto qkv = torch::randn({2, 21, 3, 2, 8}, torch::requires_grad());
  auto q = qkv.select(2, 0).permute({0, 2, 1, 3});
  auto k = qkv.select(2, 1).permute({0, 2, 1, 3});
  auto v = qkv.select(2, 2).permute({0, 2, 1, 3});
  REQUIRE_FALSE(q.is_contiguous());
  auto bias = torch::randn({2, 1, 21, 21});  // a different bias per sample and query
  bias.index_put_({0, 0, torch::indexing::Slice(), torch::indexing::Slice(17, torch::indexing::None)}, -INFINITY);
  auto seed = torch::randn({2, 2, 21, 8});
  for (int threads : {1, 2}) {
    with_threads(threads, [&] {
      for (std::int64_t chunk : {1, 4, 21, 100}) {
        auto out = chunked_attention(q, k, v, bias, chunk);
        auto ref = plain_attention(q, k, v, bias);
        INFO("threads " << threads << " chunk " << chunk);
        CHECK(close(out, ref, 1e-5, 1e-5));
        auto g = grads_of(out, seed, {qkv})[0];
        auto r = grads_of(ref, seed, {qkv})[0];
        CHECK(close(g, r, 1e-4, 1e-5));
      }
    });
  }
}

TEST_CASE("attention kernel is exact for long rows and extreme scores", "[model][attention]") {
  torch::manual_seed(16);
  // 300 keys (not a multiple of the vector width) and scores spread over ±60: the exponential
  // must hold its accuracy far from 0 and give exact zeros where the bias drops a key.
  auto q = (torch::randn({1, 2, 37, 16}) * 4).requires_grad_();
  auto k = (torch::randn({1, 2, 300, 16}) * 4).requires_grad_();
  auto v = torch::randn({1, 2, 300, 16}, torch::requires_grad());
  auto valid = torch::rand({1, 300}) > 0.3;
  auto bias = key_bias_from_valid(valid);
  auto out = chunked_attention(q, k, v, bias, 16);
  auto ref =
      plain_attention(q.to(torch::kFloat64), k.to(torch::kFloat64), v.to(torch::kFloat64), bias.to(torch::kFloat64));
  CHECK(close(out.to(torch::kFloat64), ref, 1e-4, 1e-5));
  auto seed = torch::randn({1, 2, 37, 16});
  auto dv = grads_of(out, seed, {v})[0];
  // A dropped key gets no gradient at all.
  auto dropped = valid.logical_not().view({1, 1, 300, 1}).expand_as(dv);
  CHECK(dv.masked_select(dropped).abs().max().item<float>() == 0.0f);
}

TEST_CASE("attention kernel gives a row without keys zeros and no gradient", "[model][attention]") {
  torch::manual_seed(17);
  auto q = torch::randn({1, 1, 4, 8}, torch::requires_grad());
  auto k = torch::randn({1, 1, 6, 8}, torch::requires_grad());
  auto v = torch::randn({1, 1, 6, 8}, torch::requires_grad());
  auto bias = torch::zeros({1, 1, 4, 6});
  bias.index_put_({0, 0, 2}, -INFINITY);  // query row 2 sees nothing
  auto out = chunked_attention(q, k, v, bias, 2);
  CHECK(torch::all(out.index({0, 0, 2}) == 0).item<bool>());
  CHECK(torch::isfinite(out).all().item<bool>());
  auto grads = grads_of(out, torch::ones_like(out), {q, k, v});
  CHECK(torch::all(grads[0].index({0, 0, 2}) == 0).item<bool>());
  for (const auto& g : grads) CHECK(torch::isfinite(g).all().item<bool>());
}

TEST_CASE("attention kernel gives the same result on one thread and on several", "[model][attention]") {
  torch::manual_seed(14);
  auto q = torch::randn({3, 4, 33, 16});
  auto k = torch::randn({3, 4, 40, 16});
  auto v = torch::randn({3, 4, 40, 16});
  torch::Tensor one, many;
  with_threads(1, [&] { one = chunked_attention(q, k, v, torch::Tensor(), 8); });
  with_threads(2, [&] { many = chunked_attention(q, k, v, torch::Tensor(), 8); });
  CHECK(torch::equal(one, many));
  CHECK(close(one, plain_attention(q, k, v, torch::Tensor()), 1e-5, 1e-5));
}

// Off the CPU (CUDA) the fused functions hand over to their composed twins; on the CPU both run, so
// the twins are held to the kernels here.
TEST_CASE("the composed path that runs off the CPU equals the kernels", "[model][fused][device]") {
  torch::manual_seed(13);
  SECTION("attention, with a key bias, a locality and a row that keeps no key") {
    auto q = torch::randn({2, 2, 9, 8}, torch::requires_grad());
    auto k = torch::randn({2, 2, 9, 8}, torch::requires_grad());
    auto v = torch::randn({2, 2, 9, 8}, torch::requires_grad());
    auto bias = torch::zeros({2, 1, 9, 9});
    bias.index_put_({1, 0, 4}, -INFINITY);  // query 4 of sample 1 keeps no key
    bias.index_put_({0, 0, torch::indexing::Slice(), 7}, -INFINITY);
    const auto local = token_locality(torch::stack({torch::arange(9) * 2, torch::arange(9)}), locality_slopes(1.0, 2));
    auto composed = composed_attention(q, k, v, bias, local);
    CHECK(composed.index({1, 0, 4}).abs().max().item<float>() == 0.0f);
    for (const auto& g : check_same(composed, chunked_attention(q, k, v, bias, 4, local), {q, k, v}))
      CHECK(torch::isfinite(g).all().item<bool>());
  }
  SECTION("a whole block, with a padded row and a locality") {
    transformer_block block(32, 4, 4, 8);
    randomise(*block);
    auto x = torch::randn({2, 11, 32}, torch::requires_grad());
    auto valid = torch::ones({2, 11}, torch::kBool);
    valid.index_put_({1, torch::indexing::Slice(6, torch::indexing::None)}, false);
    const auto key_bias = key_bias_from_valid(valid);
    const auto local =
        token_locality(torch::stack({torch::arange(11), torch::arange(11) * 3}), locality_slopes(0.5, 4));
    auto h = composed_self_attention(x, block->norm1, block->qkv, block->proj, key_bias, block->heads, local);
    check_same(composed_mlp(h, block->norm2, block->fc1, block->fc2), block->forward(x, key_bias, local),
               inputs_of(block, x));
  }
}
