// The benchmark's analytical FLOP count against a product-by-product enumeration, and a short run.
#include "model/train_benchmark.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace atn;

namespace {
// Sums 2·m·n·k over the products one listed forward pass performs.
struct products {
  double flops = 0;
  void mm(double m, double n, double k, double times = 1) { flops += 2 * m * n * k * times; }
  // Self-attention block on b×n tokens of width d with h heads.
  void block(double b, double n, double d, double h, double mlp) {
    mm(b * n, 3 * d, d);     // qkv
    mm(n, n, d / h, b * h);  // q kᵀ per head
    mm(n, d / h, n, b * h);  // p v per head
    mm(b * n, d, d);         // proj
    mm(b * n, mlp * d, d);   // fc1
    mm(b * n, d, mlp * d);   // fc2
  }
  // Cross-attention block: b×nq queries over b×nk keys.
  void cross(double b, double nq, double nk, double d, double h, double mlp) {
    mm(b * nq, d, d);      // q
    mm(b * nk, 2 * d, d);  // kv
    mm(nq, nk, d / h, b * h);
    mm(nq, d / h, nk, b * h);
    mm(b * nq, d, d);  // proj
    mm(b * nq, mlp * d, d);
    mm(b * nq, d, mlp * d);
  }
};
}  // namespace

TEST_CASE("the step FLOP count equals a product-by-product enumeration, text only", "[model][bench]") {
  const auto c = model_preset("tiny");
  jepa_step_shapes s;
  s.batch = 2;
  s.seq = 40;
  s.text_context = 30;
  s.text_targets = 10;
  const double b = 2, d = c.embed_dim, h = c.heads, dp = c.predictor_dim, hp = c.predictor_heads, mlp = c.mlp_ratio;
  products online, target;
  for (int i = 0; i < c.text_depth; ++i) online.block(b, 30, d, h, mlp);
  for (int i = 0; i < c.fusion_depth; ++i) online.cross(b, 30, 1, d, h, mlp);  // only the absent vision key
  online.mm(b * 30, dp, d);                                                    // predictor embed
  for (int i = 0; i < c.predictor_depth; ++i) online.block(b, 40, dp, hp, mlp);
  online.mm(b * 10, d, dp);  // predictor project
  for (int i = 0; i < c.text_depth; ++i) target.block(b, 40, d, h, mlp);
  const auto f = count_step_flops(c, s);
  CHECK(f.online == Approx(3 * online.flops).epsilon(1e-12));
  CHECK(f.target == Approx(target.flops).epsilon(1e-12));
  CHECK(f.total() == Approx(3 * online.flops + target.flops).epsilon(1e-12));
}

TEST_CASE("the step FLOP count equals a product-by-product enumeration, multimodal with every loss", "[model][bench]") {
  const auto c = model_preset("tiny");
  jepa_step_shapes s;
  s.batch = 3;
  s.seq = 24;
  s.text_context = 20;
  s.text_targets = 6;
  s.visual = true;
  s.image_context = 40;
  s.image_targets = 36;
  s.semantic = true;
  s.decoder = true;
  s.decoder_tokens = 16;
  const double b = 3, d = c.embed_dim, h = c.heads, dp = c.predictor_dim, hp = c.predictor_heads, mlp = c.mlp_ratio;
  const double patches = c.num_patches(), patch_in = 3.0 * c.patch_size * c.patch_size, k = c.semantic_queries;
  products online, target;
  for (int i = 0; i < c.text_depth; ++i) online.block(b, 20, d, h, mlp);
  online.mm(b * 40, d, patch_in);
  for (int i = 0; i < c.vit_depth; ++i) online.block(b, 40, d, h, mlp);
  for (int i = 0; i < c.fusion_depth; ++i) {
    online.cross(b, 20, 1 + 40, d, h, mlp);
    online.cross(b, 40, 1 + 20, d, h, mlp);
  }
  online.mm(b * 20, dp, d);
  for (int i = 0; i < c.predictor_depth; ++i) online.block(b, 26, dp, hp, mlp);
  online.mm(b * 6, d, dp);
  online.mm(b * 40, dp, d);
  for (int i = 0; i < c.predictor_depth; ++i) online.block(b, 76, dp, hp, mlp);
  online.mm(b * 36, d, dp);
  for (int i = 0; i < 2; ++i) online.cross(b, k, 20 + 40, d, h, mlp);  // semantic head on the context
  for (int i = 0; i < c.decoder_depth; ++i) online.block(b, k + 16, d, h, mlp);
  online.mm(b * 16, c.vocab_size, d);  // decoder head
  for (int i = 0; i < c.text_depth; ++i) target.block(b, 24, d, h, mlp);
  target.mm(b * patches, d, patch_in);
  for (int i = 0; i < c.vit_depth; ++i) target.block(b, patches, d, h, mlp);
  for (int i = 0; i < 2; ++i) target.cross(b, k, 24 + patches, d, h, mlp);
  const auto f = count_step_flops(c, s);
  CHECK(f.online == Approx(3 * online.flops).epsilon(1e-12));
  CHECK(f.target == Approx(target.flops).epsilon(1e-12));
}

TEST_CASE("a short benchmark run reports consistent figures", "[model][bench]") {
  train_benchmark_options o;
  o.model = model_preset("tiny");
  o.batch = 2;
  o.seq = 48;
  o.text = true;
  o.visual = true;
  o.steps = 2;
  o.warmup = 1;
  o.threads = 1;
  o.matmul_size = 256;
  o.bracket_seconds = 0.02;
  o.train.semantic_loss_weight = 0;
  o.train.decoder_loss_weight = 0;
  const auto r = run_train_benchmark(o);
  CHECK(r.finite);
  CHECK(std::isfinite(r.final_loss));
  REQUIRE(r.step_seconds.size() == 2);
  REQUIRE(r.bracket_gflops.size() == 3);
  CHECK(r.last_shapes.text_context > 0);
  CHECK(r.last_shapes.text_context < 48);
  CHECK(r.last_shapes.text_targets > 0);
  CHECK(r.last_shapes.image_context > 0);
  CHECK(r.last_shapes.image_targets > 0);
  CHECK(r.step_flops.back() == Approx(count_step_flops(o.model, r.last_shapes).total()));
  CHECK(r.matmul_gflops > 0);
  CHECK(r.ratio > 0);
  CHECK(r.tokens_per_step == 2 * 48);
  CHECK(r.images_per_step == 2);
  CHECK(r.tokens_per_second == Approx(96 / r.median_step_seconds));
  CHECK(r.peak_rss_mb >= r.rss_before_mb);
  CHECK_THROWS_AS(run_train_benchmark([] {
                    train_benchmark_options bad;
                    bad.text = bad.visual = false;
                    return bad;
                  }()),
                  std::invalid_argument);
}
