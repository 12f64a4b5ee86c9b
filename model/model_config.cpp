#include "model/model_config.hpp"

#include <cmath>
#include <stdexcept>

namespace atn {

model_config model_preset(const std::string& name) {
  model_config c;
  c.preset = name;
  if (name == "tiny") return c;  // the struct defaults are the tiny preset
  if (name == "small") {
    c.embed_dim = 192;
    c.heads = 6;
    c.vit_depth = 4;
    c.text_depth = 4;
    c.predictor_depth = 3;
    c.predictor_dim = 96;
    c.predictor_heads = 4;
    c.semantic_queries = 16;
    c.decoder_depth = 2;
    c.image_size = 96;
    c.patch_size = 12;
    c.max_seq_length = 512;
    return c;
  }
  if (name == "base") {
    c.embed_dim = 384;
    c.heads = 6;
    c.vit_depth = 12;
    c.text_depth = 6;
    c.fusion_depth = 2;
    c.predictor_depth = 6;
    c.predictor_dim = 192;
    c.predictor_heads = 6;
    c.semantic_queries = 32;
    c.decoder_depth = 4;
    c.image_size = 224;
    c.patch_size = 16;
    c.max_seq_length = 2048;
    return c;
  }
  throw std::invalid_argument("unknown model preset '" + name + "' (expected tiny, small or base)");
}

void validate(const model_config& c) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("invalid model configuration: " + what);
  };
  require(c.embed_dim > 0 && c.heads > 0 && c.embed_dim % c.heads == 0,
          "embed_dim must be a positive multiple of heads");
  require(c.predictor_dim > 0 && c.predictor_heads > 0 && c.predictor_dim % c.predictor_heads == 0,
          "predictor_dim must be a positive multiple of predictor_heads");
  require(c.embed_dim % 4 == 0, "embed_dim must be divisible by 4 (2-D sin-cos positions)");
  require(c.predictor_dim % 4 == 0, "predictor_dim must be divisible by 4 (2-D sin-cos positions)");
  require(c.vit_depth > 0 && c.text_depth > 0 && c.predictor_depth > 0, "depths must be positive");
  require(c.fusion_depth >= 0 && c.decoder_depth > 0, "fusion_depth >= 0 and decoder_depth > 0");
  require(c.semantic_queries > 0, "semantic_queries must be positive");
  require(c.patch_size > 0 && c.image_size % c.patch_size == 0, "image_size must be a multiple of patch_size");
  require(c.patches_per_side() >= 4, "image_size / patch_size must be at least 4");
  require(c.max_seq_length >= 16, "max_seq_length must be at least 16");
  require(c.vocab_size == 260, "vocab_size must be 260 (byte tokenizer)");
  require(c.mlp_ratio > 0, "mlp_ratio must be positive");
  require(std::isfinite(c.text_locality) && c.text_locality >= 0,
          "text_locality must be finite and >= 0, got " + std::to_string(c.text_locality));
}

}  // namespace atn
