#include "model/chunked_attention.hpp"
#include "model/transformer_block.hpp"
#include "tests/unit/support/attention_reference.hpp"

#include <catch2/catch.hpp>

using namespace atn;

using test::plain_attention;

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
    auto ref = plain_attention(q, k, v, bias);
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
  CHECK(torch::allclose(out, plain_attention(q, k, v, causal), 1e-5, 1e-5));
  // Row 0 sees only key 0.
  CHECK(torch::allclose(out.index({0, 0, 0}), v.index({0, 0, 0}), 1e-5, 1e-6));
}

TEST_CASE("locality slopes: half the heads local, the rest global", "[model][attention][locality]") {
  auto as_vector = [](const torch::Tensor& t) {
    return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  };
  CHECK(as_vector(locality_slopes(1.0, 4)) == std::vector<float>{1, 1, 0, 0});
  CHECK(as_vector(locality_slopes(0.5, 3)) == std::vector<float>{0.5f, 0.5f, 0});
  CHECK(as_vector(locality_slopes(2.0, 1)) == std::vector<float>{2});
  CHECK(as_vector(locality_slopes(0.0, 4)) == std::vector<float>{0, 0, 0, 0});
  CHECK_THROWS_WITH(locality_slopes(-1.0, 4), Catch::Contains("locality slope"));
  // All-zero slopes switch the locality off, so the kernel does no extra work.
  auto positions = torch::arange(6).view({1, 6});
  CHECK_FALSE(token_locality(positions, locality_slopes(0.0, 2)).active());
  CHECK(token_locality(positions, locality_slopes(1.0, 2)).active());
}

// Positions with gaps (a masked context keeps its tokens' true positions), a padded row, one
// global head and two different slopes: the kernel must equal the materialised penalty.
TEST_CASE("chunked attention with a locality bias matches the materialised penalty", "[model][attention][locality]") {
  torch::manual_seed(7);
  const std::int64_t b = 2, h = 3, s = 21, d = 8;
  auto slopes = torch::tensor({1.0f, 0.0f, 0.25f});
  auto positions = torch::stack({std::get<0>(torch::randperm(60).narrow(0, 0, s).sort()), torch::arange(s) * 2});
  auto valid = torch::ones({b, s}, torch::kBool);
  valid.index_put_({1, torch::indexing::Slice(14, torch::indexing::None)}, false);
  const attention_locality local = token_locality(positions, slopes);
  REQUIRE(local.active());
  for (std::int64_t chunk : {1, 5, 64}) {
    auto q = torch::randn({b, h, s, d}, torch::requires_grad());
    auto k = torch::randn({b, h, s, d}, torch::requires_grad());
    auto v = torch::randn({b, h, s, d}, torch::requires_grad());
    auto grad = torch::randn({b, h, s, d});
    auto out = chunked_attention(q, k, v, key_bias_from_valid(valid), chunk, local);
    auto ref = plain_attention(q, k, v, key_bias_from_valid(valid) + test::locality_bias(positions, slopes));
    INFO("chunk " << chunk);
    CHECK(torch::allclose(out, ref, 1e-5, 1e-5));
    auto g = torch::autograd::grad({out}, {q, k, v}, {grad});
    auto r = torch::autograd::grad({ref}, {q, k, v}, {grad});
    for (int i = 0; i < 3; ++i) CHECK(torch::allclose(g[i], r[i], 1e-4, 1e-5));
    // Without the locality the result differs: the penalty is really applied.
    CHECK_FALSE(torch::allclose(chunked_attention(q, k, v, key_bias_from_valid(valid), chunk), ref, 1e-3, 1e-3));
    // The no-grad path (target encoders) gives the same values.
    torch::NoGradGuard no_grad;
    CHECK(torch::allclose(chunked_attention(q, k, v, key_bias_from_valid(valid), chunk, local), ref, 1e-5, 1e-5));
  }
}

TEST_CASE("a steep locality makes each token attend to itself", "[model][attention][locality]") {
  torch::manual_seed(8);
  auto q = torch::randn({1, 2, 12, 4}) * 0.1, k = torch::randn({1, 2, 12, 4}) * 0.1, v = torch::randn({1, 2, 12, 4});
  const auto steep = token_locality(torch::arange(12).view({1, 12}), torch::tensor({30.0f, 0.0f}));
  auto out = chunked_attention(q, k, v, torch::Tensor(), 5, steep);
  CHECK(torch::allclose(out.select(1, 0), v.select(1, 0), 1e-5, 1e-5));        // the local head
  CHECK_FALSE(torch::allclose(out.select(1, 1), v.select(1, 1), 1e-2, 1e-2));  // the global head averages
}

TEST_CASE("attention rejects a locality it cannot apply", "[model][attention][locality]") {
  auto q = torch::randn({1, 2, 5, 4}), k = torch::randn({1, 2, 7, 4}), v = torch::randn({1, 2, 7, 4});
  auto slopes = locality_slopes(1.0, 2);
  const auto five = token_locality(torch::arange(5).view({1, 5}), slopes);
  CHECK_THROWS_WITH(chunked_attention(q, k, v, torch::Tensor(), 4, five), Catch::Contains("self-attention"));
  auto k5 = torch::randn({1, 2, 5, 4}), v5 = torch::randn({1, 2, 5, 4});
  const auto four = token_locality(torch::arange(4).view({1, 4}), slopes);
  CHECK_THROWS_WITH(chunked_attention(q, k5, v5, torch::Tensor(), 4, four), Catch::Contains("locality positions"));
  CHECK_THROWS_WITH(chunked_attention(q, k5, v5, torch::Tensor(), 4,
                                      token_locality(torch::arange(5).view({1, 5}), locality_slopes(1.0, 3))),
                    Catch::Contains("locality slopes"));
}
