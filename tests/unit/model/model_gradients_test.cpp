// The fused kernels are checked one by one elsewhere; this checks them wired together: the
// gradient of a multimodal JEPA pass, through encoders, fusion, both predictors and the semantic
// head, against central finite differences along the gradient of each parameter.
#include "model/vl_jepa_model.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>

using namespace atn;
using torch::indexing::Slice;

TEST_CASE("gradients through the whole model agree with finite differences", "[model][gradients]") {
  const auto c = model_preset("tiny");
  torch::manual_seed(11);
  vl_jepa_model m(c, 16);  // a chunk smaller than the rows, so the chunked path runs
  {
    // Larger weights than the init's so attention is far from uniform and every term matters.
    torch::NoGradGuard no_grad;
    for (auto& p : m->parameters())
      if (p.dim() == 2) p.mul_(5.0);
  }
  const std::int64_t b = 3, s = 40, n_ctx = 30, n_tgt = 10;
  auto tokens = torch::randint(4, 260, {b, s}, torch::kLong);
  auto order = torch::stack({torch::randperm(s), torch::randperm(s), torch::randperm(s)});
  auto keep = std::get<0>(order.narrow(1, 0, n_ctx).sort(1));
  auto targets = std::get<0>(order.narrow(1, n_ctx, n_tgt).sort(1));
  auto keep_valid = torch::ones({b, n_ctx}, torch::kBool);
  keep_valid.index_put_({2, Slice(25, torch::indexing::None)}, false);  // a padded row
  auto target_valid = torch::ones({b, n_tgt}, torch::kBool);
  auto images = torch::randn({b, 3, c.image_size, c.image_size});
  const auto patches = c.num_patches();
  auto patch_order = torch::stack({torch::randperm(patches), torch::randperm(patches), torch::randperm(patches)});
  auto patch_keep = std::get<0>(patch_order.narrow(1, 0, patches - 12).sort(1));
  auto patch_targets = std::get<0>(patch_order.narrow(1, patches - 12, 12).sort(1));
  auto patch_valid = torch::ones({b, patches - 12}, torch::kBool);
  auto has_text = torch::tensor({true, true, false});
  auto has_visual = torch::tensor({true, false, true});
  auto r_text = torch::randn({b, n_tgt, c.embed_dim});
  auto r_image = torch::randn({b, 12, c.embed_dim});
  auto r_semantic = torch::randn({b, c.semantic_queries, c.embed_dim});

  auto loss = [&] {
    auto text = m->text(tokens, keep, keep_valid);
    auto vision = m->vit(images, patch_keep);
    auto [t, v] = m->fusion(text, keep_valid, vision, has_text, has_visual);
    auto text_pred = m->text_predictor(t, keep, keep_valid, targets, target_valid);
    auto image_pred = m->image_predictor(v, patch_keep, patch_valid, patch_targets, torch::ones({b, 12}, torch::kBool));
    auto k = m->semantic(torch::cat({t, v}, 1), torch::cat({keep_valid, patch_valid}, 1));
    return (text_pred * r_text).sum() + (image_pred * r_image).sum() + (k * r_semantic).sum();
  };

  std::set<std::string> checked;
  for (auto& named : m->named_parameters()) {
    const auto& name = named.key();
    auto p = named.value();
    if (!p.requires_grad()) continue;  // the EMA targets
    auto grad = torch::autograd::grad({loss()}, {p}, {}, false, false, /*allow_unused=*/true)[0];
    if (!grad.defined()) continue;  // the decoder is not on this path
    const double norm = grad.norm().item<double>();
    if (norm < 1e-3) continue;  // e.g. a query over a single key: no signal to measure
    const auto step = grad / norm * 1e-2;
    double up, down;
    {
      torch::NoGradGuard no_grad;
      p.add_(step);
      up = loss().item<double>();
      p.sub_(2 * step);
      down = loss().item<double>();
      p.add_(step);
    }
    const double finite_difference = (up - down) / 2e-2;
    INFO(name << ": autograd " << norm << ", finite difference " << finite_difference);
    CHECK(std::abs(finite_difference / norm - 1.0) < 0.02);
    checked.insert(name);
  }
  // The test is only as good as what it reached: attention, MLP and norms of every module.
  for (const char* name : {"text.embed.weight", "text.blocks.0.qkv.weight", "vit.blocks.1.fc2.weight",
                           "fusion.text_from_vision.0.q.weight", "fusion.vision_from_text.0.kv.weight",
                           "text_predictor.blocks.0.qkv.weight", "image_predictor.mask_token", "semantic.queries",
                           "semantic.blocks.1.q.weight", "text.norm.weight"})
    CHECK(checked.count(name) == 1);
}
