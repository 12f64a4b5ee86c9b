#include "model/vl_jepa_model.hpp"

#include "model/sincos_positions.hpp"

#include <algorithm>

namespace atn {
namespace {
const char* const shared_prefixes[] = {"vit.", "text.", "fusion.", "text_predictor.", "image_predictor.", "semantic."};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void init_weights(torch::nn::Module& module) {
  // Truncated-normal-like init for linear layers, zero biases (as in ViT / I-JEPA). Byte and patch
  // embeddings keep torch's defaults (N(0,1), Kaiming-uniform): at 0.02 the sin-cos positions
  // would dominate the inputs and the targets would be predictable from position alone.
  for (auto& p : module.named_parameters()) {
    const auto& name = p.key();
    auto& t = p.value();
    torch::NoGradGuard no_grad;
    if (ends_with(name, "embed.weight") || ends_with(name, "patch_embed.weight")) continue;
    if (ends_with(name, "weight") && t.dim() == 2)
      t.normal_(0.0, 0.02).clamp_(-0.04, 0.04);
    else if (ends_with(name, "bias"))
      t.zero_();
  }
}

template <class M>
void copy_params(M& from, M& to) {
  torch::NoGradGuard no_grad;
  auto src = from->parameters();
  auto dst = to->parameters();
  for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}
}  // namespace

bool is_shared_parameter(const std::string& name) {
  return std::any_of(std::begin(shared_prefixes), std::end(shared_prefixes),
                     [&](const char* p) { return name.rfind(p, 0) == 0; });
}

vl_jepa_model_impl::vl_jepa_model_impl(const model_config& c, std::int64_t chunk) : config(c) {
  vit = register_module("vit", vit_encoder(c, chunk));
  vit_target = register_module("vit_target", vit_encoder(c, chunk));
  text = register_module("text", text_encoder(c, chunk));
  text_target = register_module("text_target", text_encoder(c, chunk));
  fusion = register_module("fusion", cross_modal_fusion(c, chunk));
  text_predictor = register_module(
      "text_predictor", jepa_predictor(c, sincos_1d(c.max_seq_length, c.predictor_dim), c.text_locality, chunk));
  image_predictor = register_module("image_predictor",
                                    jepa_predictor(c, sincos_2d(c.patches_per_side(), c.predictor_dim), 0.0, chunk));
  semantic = register_module("semantic", semantic_predictor(c, chunk));
  semantic_target = register_module("semantic_target", semantic_predictor(c, chunk));
  decoder = register_module("decoder", text_decoder(c, chunk));
  init_weights(*this);
  sync_targets();
  for (auto& p : vit_target->parameters()) p.set_requires_grad(false);
  for (auto& p : text_target->parameters()) p.set_requires_grad(false);
  for (auto& p : semantic_target->parameters()) p.set_requires_grad(false);
}

void vl_jepa_model_impl::sync_targets() {
  copy_params(vit, vit_target);
  copy_params(text, text_target);
  copy_params(semantic, semantic_target);
}

std::vector<std::pair<std::string, torch::Tensor>> vl_jepa_model_impl::shared_parameters() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& p : named_parameters())
    if (is_shared_parameter(p.key())) out.emplace_back(p.key(), p.value());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::vector<std::pair<torch::Tensor, torch::Tensor>> vl_jepa_model_impl::ema_pairs() {
  std::vector<std::pair<torch::Tensor, torch::Tensor>> out;
  auto add = [&out](torch::nn::Module& target, torch::nn::Module& online) {
    auto t = target.parameters();
    auto o = online.parameters();
    for (std::size_t i = 0; i < t.size(); ++i) out.emplace_back(t[i], o[i]);
  };
  add(*vit_target, *vit);
  add(*text_target, *text);
  add(*semantic_target, *semantic);
  return out;
}

}  // namespace atn
