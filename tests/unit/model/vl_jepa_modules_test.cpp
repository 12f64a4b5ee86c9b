#include "model/vl_jepa_model.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace atn;

TEST_CASE("every module produces the documented shapes", "[model][shapes]") {
  auto c = model_preset("tiny");
  torch::manual_seed(1);
  vl_jepa_model m(c, 64);
  const std::int64_t b = 3, s = 20, d = c.embed_dim;
  auto tokens = torch::randint(4, 260, {b, s}, torch::kLong);
  auto valid = torch::ones({b, s}, torch::kBool);
  valid.index_put_({2, torch::indexing::Slice(10, torch::indexing::None)}, false);
  auto images = torch::randn({b, 3, c.image_size, c.image_size});

  auto full_text = m->text(tokens, torch::Tensor(), valid);
  CHECK(full_text.sizes() == torch::IntArrayRef({b, s, d}));
  auto keep = torch::arange(5).repeat({b, 1});
  auto keep_valid = torch::ones({b, 5}, torch::kBool);
  auto ctx_text = m->text(tokens, keep, keep_valid);
  CHECK(ctx_text.sizes() == torch::IntArrayRef({b, 5, d}));

  auto full_img = m->vit(images, torch::Tensor());
  CHECK(full_img.sizes() == torch::IntArrayRef({b, c.num_patches(), d}));
  auto ctx_img = m->vit(images, torch::arange(7).repeat({b, 1}));
  CHECK(ctx_img.sizes() == torch::IntArrayRef({b, 7, d}));

  auto has_text = torch::tensor({true, true, false});
  auto has_visual = torch::tensor({true, false, true});
  auto [ft, fv] = m->fusion(ctx_text, keep_valid, ctx_img, has_text, has_visual);
  CHECK(ft.sizes() == ctx_text.sizes());
  CHECK(fv.sizes() == ctx_img.sizes());
  auto [ft_only, none] = m->fusion(ctx_text, keep_valid, torch::Tensor(), has_text, has_visual);
  CHECK(ft_only.sizes() == ctx_text.sizes());
  CHECK_FALSE(none.defined());

  auto tgt = torch::arange(5, 9).repeat({b, 1});
  auto pred = m->text_predictor(ft, keep, keep_valid, tgt, torch::ones({b, 4}, torch::kBool));
  CHECK(pred.sizes() == torch::IntArrayRef({b, 4, d}));
  auto ipred = m->image_predictor(fv, torch::arange(7).repeat({b, 1}), torch::ones({b, 7}, torch::kBool),
                                  torch::arange(10, 14).repeat({b, 1}), torch::ones({b, 4}, torch::kBool));
  CHECK(ipred.sizes() == torch::IntArrayRef({b, 4, d}));

  auto k = m->semantic(ft, keep_valid);
  CHECK(k.sizes() == torch::IntArrayRef({b, c.semantic_queries, d}));
  auto logits = m->decoder(k, tokens.narrow(1, 0, 6));
  CHECK(logits.sizes() == torch::IntArrayRef({b, 6, 260}));
}

TEST_CASE("the absent embedding stands in for a missing modality", "[model][fusion]") {
  auto c = model_preset("tiny");
  torch::manual_seed(2);
  vl_jepa_model m(c, 64);
  torch::NoGradGuard no_grad;
  auto text = torch::randn({2, 4, c.embed_dim});
  auto text_valid = torch::ones({2, 4}, torch::kBool);
  auto vision_a = torch::randn({2, 6, c.embed_dim});
  auto vision_b = torch::randn({2, 6, c.embed_dim});
  auto has_text = torch::tensor({true, true});
  auto absent = torch::tensor({false, false});
  // Without vision, the vision tokens must not matter at all...
  auto [t1, v1] = m->fusion(text, text_valid, vision_a, has_text, absent);
  auto [t2, v2] = m->fusion(text, text_valid, vision_b, has_text, absent);
  auto [t3, v3] = m->fusion(text, text_valid, torch::Tensor(), has_text, absent);
  CHECK(torch::allclose(t1, t2, 1e-6, 1e-6));
  CHECK(torch::allclose(t1, t3, 1e-6, 1e-6));
  // ...and with vision present they must.
  auto present = torch::tensor({true, true});
  auto [t4, v4] = m->fusion(text, text_valid, vision_a, has_text, present);
  CHECK_FALSE(torch::allclose(t1, t4, 1e-4, 1e-4));
}

TEST_CASE("shared parameters exclude targets and the decoder", "[model][delta]") {
  vl_jepa_model m(model_preset("tiny"), 64);
  auto shared = m->shared_parameters();
  REQUIRE_FALSE(shared.empty());
  for (const auto& [name, t] : shared) {
    CHECK(name.rfind("vit_target.", 0) != 0);
    CHECK(name.rfind("text_target.", 0) != 0);
    CHECK(name.rfind("semantic_target.", 0) != 0);
    CHECK(name.rfind("decoder.", 0) != 0);
  }
  for (std::size_t i = 1; i < shared.size(); ++i) CHECK(shared[i - 1].first < shared[i].first);
  CHECK(is_shared_parameter("fusion.absent_text"));
  CHECK_FALSE(is_shared_parameter("decoder.head.weight"));
}

TEST_CASE("model configurations are checked, naming the bad field", "[model][config]") {
  CHECK_THROWS_WITH(model_preset("huge"), Catch::Contains("'huge'"));
  for (const char* preset : {"tiny", "small", "base"}) CHECK_NOTHROW(validate(model_preset(preset)));
  auto c = model_preset("tiny");
  c.heads = 3;
  CHECK_THROWS_WITH(validate(c), Catch::Contains("heads"));
  c = model_preset("tiny");
  c.text_locality = -0.5;
  CHECK_THROWS_WITH(validate(c), Catch::Contains("text_locality"));
  c.text_locality = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(validate(c), Catch::Contains("text_locality"));
}
