// `atn-node bench train`: seconds per VL-JEPA training step on synthetic batches, and the step's
// achieved matrix-product FLOP/s against the machine's own float32 matmul rate.
#include "messages/round_messages.hpp"
#include "model/train_benchmark.hpp"
#include "runtime/cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace atn {
namespace {

struct bench_train_args {
  std::string preset = "base", modalities = "text";
  std::int64_t batch = 8, seq = 512, steps = 5, warmup = 2, matmul_size = 2048, attention_chunk = 0;
  std::optional<std::int64_t> embed_dim, heads, depth, predictor_depth, predictor_dim, predictor_heads;
  std::optional<double> text_locality;
  double semantic_loss = 0, decoder_loss = 0;
  int threads = 0;
  std::uint64_t seed = 1;
  bool json = false;
};

int bench_train(const bench_train_args& a) {
  train_benchmark_options o;
  o.model = model_preset(a.preset);
  if (a.embed_dim) o.model.embed_dim = *a.embed_dim;
  if (a.heads) o.model.heads = *a.heads;
  if (a.depth) o.model.text_depth = o.model.vit_depth = *a.depth;
  if (a.predictor_depth) o.model.predictor_depth = *a.predictor_depth;
  if (a.predictor_dim) o.model.predictor_dim = *a.predictor_dim;
  if (a.predictor_heads) o.model.predictor_heads = *a.predictor_heads;
  if (a.text_locality) o.model.text_locality = *a.text_locality;
  const auto modalities = require_modalities(a.modalities, "--modalities");
  o.text = modalities.text;
  o.visual = modalities.visual;
  o.batch = a.batch;
  o.seq = a.seq;
  o.steps = a.steps;
  o.warmup = a.warmup;
  o.threads = a.threads;
  o.matmul_size = a.matmul_size;
  o.seed = a.seed;
  o.train.semantic_loss_weight = a.semantic_loss;
  o.train.decoder_loss_weight = a.decoder_loss;
  if (a.attention_chunk > 0) o.train.attention_chunk = a.attention_chunk;

  const auto r = run_train_benchmark(o);
  const auto& m = o.model;
  const double gflop = r.mean_step_flops / 1e9;
  const std::string shape = o.text ? "batch " + std::to_string(o.batch) + " x seq " + std::to_string(o.seq)
                                   : "batch " + std::to_string(o.batch);
  std::printf(
      "atn-node bench train: %s preset, D %lld, %lld heads, depth %lld (text) %lld (vit), predictor %lld/%lld, "
      "text locality %g, %s, %s%s%s\n",
      a.preset.c_str(), static_cast<long long>(m.embed_dim), static_cast<long long>(m.heads),
      static_cast<long long>(m.text_depth), static_cast<long long>(m.vit_depth),
      static_cast<long long>(m.predictor_depth), static_cast<long long>(m.predictor_dim), m.text_locality,
      shape.c_str(), a.modalities.c_str(), a.semantic_loss > 0 ? ", semantic loss" : "",
      a.decoder_loss > 0 ? ", decoder loss" : "");
  std::printf("  device       : %s, %d threads\n", r.device.c_str(), r.threads);
  double lo = r.matmul_gflops, hi = 0;
  for (double g : r.bracket_gflops) lo = std::min(lo, g), hi = std::max(hi, g);
  std::printf(
      "  matmul rate  : %.1f GFLOP/s best (float32 %lldx%lld; %.1f before, %.1f after the run, "
      "%.1f-%.1f between steps)\n",
      r.matmul_gflops, static_cast<long long>(o.matmul_size), static_cast<long long>(o.matmul_size),
      r.matmul_gflops_before, r.matmul_gflops_after, lo, hi);
  std::printf("  step         : %.3f s median of %zu (after %lld warm-up), %.1f GFLOP of products per step\n",
              r.median_step_seconds, r.step_seconds.size(), static_cast<long long>(o.warmup), gflop);
  if (o.text)
    std::printf("  shapes       : text context %lld, targets %lld slots per sample\n",
                static_cast<long long>(r.last_shapes.text_context), static_cast<long long>(r.last_shapes.text_targets));
  if (o.visual)
    std::printf("  shapes       : image context %lld, targets %lld patches per sample\n",
                static_cast<long long>(r.last_shapes.image_context),
                static_cast<long long>(r.last_shapes.image_targets));
  std::printf(
      "  achieved     : %.1f GFLOP/s = %.1f%% of the matmul rate measured around each step "
      "(%.1f%% of the best rate)\n",
      r.achieved_gflops, 100 * r.ratio, 100 * r.ratio_to_best);
  std::printf("  throughput   : %.0f tokens/s, %.2f images/s\n", r.tokens_per_second, r.images_per_second);
  std::printf("  memory       : peak RSS %.0f MiB, growth %.0f MiB over the run (RSS before %.0f MiB)\n", r.peak_rss_mb,
              r.peak_growth_mb, r.rss_before_mb);
  std::printf("  final loss   : %.5f%s\n", r.final_loss, r.finite ? "" : " (a step was not finite)");

  if (a.json) {
    const nlohmann::ordered_json j = {
        {"preset", a.preset},
        {"embed_dim", m.embed_dim},
        {"heads", m.heads},
        {"text_depth", m.text_depth},
        {"vit_depth", m.vit_depth},
        {"predictor_depth", m.predictor_depth},
        {"predictor_dim", m.predictor_dim},
        {"text_locality", m.text_locality},
        {"batch", o.batch},
        {"seq", o.seq},
        {"modalities", a.modalities},
        {"semantic_loss", a.semantic_loss},
        {"decoder_loss", a.decoder_loss},
        {"device", r.device},
        {"threads", r.threads},
        {"matmul_gflops", r.matmul_gflops},
        {"matmul_gflops_before", r.matmul_gflops_before},
        {"matmul_gflops_after", r.matmul_gflops_after},
        {"matmul_gflops_between_steps", r.bracket_gflops},
        {"steps", static_cast<std::int64_t>(r.step_seconds.size())},
        {"warmup", o.warmup},
        {"step_seconds", r.median_step_seconds},
        {"step_seconds_all", r.step_seconds},
        {"step_flops", r.mean_step_flops},
        {"achieved_gflops", r.achieved_gflops},
        {"ratio", r.ratio},
        {"ratio_to_best", r.ratio_to_best},
        {"tokens_per_second", r.tokens_per_second},
        {"images_per_second", r.images_per_second},
        {"text_context", r.last_shapes.text_context},
        {"text_targets", r.last_shapes.text_targets},
        {"image_context", r.last_shapes.image_context},
        {"image_targets", r.last_shapes.image_targets},
        {"peak_rss_mb", r.peak_rss_mb},
        {"peak_growth_mb", r.peak_growth_mb},
        {"rss_before_mb", r.rss_before_mb},
        {"final_loss", r.final_loss},
        {"finite", r.finite},
    };
    std::printf("%s\n", j.dump().c_str());
  }
  return r.finite ? 0 : 1;
}

}  // namespace

void add_bench_train_command(CLI::App& app) {
  CLI::App* bench = bench_group(app);
  auto a = std::make_shared<bench_train_args>();
  CLI::App* sub = bench->add_subcommand(
      "train", "Seconds per JEPA training step on synthetic batches, and its FLOP/s against the matmul rate");
  sub->add_option("--preset", a->preset, "Model preset: tiny, small or base")->capture_default_str();
  sub->add_option("--batch", a->batch, "Samples per batch")->capture_default_str();
  sub->add_option("--seq", a->seq, "Text tokens per sample")->capture_default_str();
  sub->add_option("--modalities", a->modalities, "text, visual or text,visual")->capture_default_str();
  sub->add_option("--embed-dim", a->embed_dim, "Override the encoders' width D");
  sub->add_option("--heads", a->heads, "Override the encoders' attention heads");
  sub->add_option("--depth", a->depth, "Override both the text and the ViT depth");
  sub->add_option("--predictor-depth", a->predictor_depth, "Override the JEPA predictor depth");
  sub->add_option("--predictor-dim", a->predictor_dim, "Override the JEPA predictor width");
  sub->add_option("--predictor-heads", a->predictor_heads, "Override the JEPA predictor heads");
  sub->add_option("--text-locality", a->text_locality,
                  "Override the text attention's locality slope (0: plain attention, as most implementations)");
  sub->add_option("--steps", a->steps, "Timed steps (the median counts)")->capture_default_str();
  sub->add_option("--warmup", a->warmup, "Untimed steps first")->capture_default_str();
  sub->add_option("--threads", a->threads, "Torch threads (0: ATN_TORCH_THREADS or every core)")->capture_default_str();
  sub->add_option("--semantic-loss", a->semantic_loss, "Semantic (K-vector) loss weight; 0 = off")
      ->capture_default_str();
  sub->add_option("--decoder-loss", a->decoder_loss, "Local decoder loss weight; 0 = off")->capture_default_str();
  sub->add_option("--attention-chunk", a->attention_chunk, "Query rows per attention chunk (0: default)");
  sub->add_option("--matmul-size", a->matmul_size, "n of the n x n reference matrix product")->capture_default_str();
  sub->add_option("--seed", a->seed, "Seed of the synthetic data and the masks")->capture_default_str();
  sub->add_flag("--json", a->json, "Print one JSON object as the last line");
  bind_command(sub, [a] { return bench_train(*a); });
}

}  // namespace atn
