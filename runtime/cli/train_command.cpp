// `atn-node train`: trains locally on ATN data and shows that the model learns.
#include "messages/round_messages.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/node/train_run.hpp"
#include "runtime/util/progress_bar.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace atn {
namespace {

struct train_args {
  std::string data, images, preset = "tiny", modalities, text_mask = "span", out, export_torch;
  std::int64_t steps = 300, batch = 8;
  double holdout = 0.2, lr = 1e-3, ema_start = 0.996, semantic_weight = 0.5;
  int threads = 0;
  std::uint64_t seed = 1;
  bool json = false;
};

void print_metrics_row(const char* kind, const std::optional<step_metrics>& before,
                       const std::optional<step_metrics>& after) {
  if (!before || !after) return;
  for (auto [name, b, a] :
       {std::tuple{"text", &before->text, &after->text}, std::tuple{"visual", &before->visual, &after->visual}}) {
    if (!a->present) continue;
    std::printf("  %-11s %-7s loss %.4f -> %.4f   cosine %.3f -> %.3f   spread %.3f -> %.3f\n", kind, name, b->loss,
                a->loss, b->cosine, a->cosine, b->spread, a->spread);
  }
}

void add_modality(nlohmann::ordered_json& j, const char* key, const modality_metrics& m) {
  if (!m.present) return;
  j[key] = {{"loss", m.loss}, {"cosine", m.cosine}, {"spread", m.spread}, {"targets", m.targets}};
}

nlohmann::ordered_json held_out_json(const held_out_metrics& h) {
  auto j = nlohmann::ordered_json::object();
  for (auto [name, m] :
       {std::pair{"text", &h.text}, std::pair{"visual", &h.visual}, std::pair{"multimodal", &h.multimodal}}) {
    if (!*m) continue;
    nlohmann::ordered_json one = {{"loss", (*m)->loss}};
    add_modality(one, "text_modality", (*m)->text);
    add_modality(one, "visual_modality", (*m)->visual);
    j[name] = std::move(one);
  }
  return j;
}

int run(const train_args& a) {
  train_run_options o;
  o.data.atn_dir = a.data;
  if (!a.images.empty()) o.data.images_dir = a.images;
  o.data.model = model_preset(a.preset);
  // Defaults run on the data a person has: frames are trained on when there are any.
  if (a.modalities.empty() && a.images.empty())
    spdlog::info("no --images: training on text only (give --images DIR to train on screen frames too)");
  const auto modalities = a.modalities.empty() ? std::string(a.images.empty() ? "text" : "text,visual") : a.modalities;
  o.data.modalities = require_modalities(modalities, "--modalities");
  o.data.holdout = a.holdout;
  o.data.seed = a.seed;
  const auto mode = parse_text_mask_mode(a.text_mask);
  if (!mode)
    throw std::invalid_argument("unknown --text-mask '" + a.text_mask +
                                "' (expected span, turn, role_tool, role_result or role_assistant)");
  o.train.text_masking.mode = *mode;
  if (o.data.modalities.visual && a.images.empty())
    throw std::invalid_argument("--modalities visual needs --images DIR");
  o.train.steps = a.steps;
  o.train.batch_size = a.batch;
  o.train.learning_rate = a.lr;
  o.train.warmup_steps = std::max<std::int64_t>(1, a.steps / 10);
  o.train.threads = a.threads;
  o.train.ema_start = a.ema_start;
  o.train.semantic_loss_weight = a.semantic_weight;
  o.train.seed = a.seed;
  if (!a.out.empty()) o.out = a.out;
  if (!a.export_torch.empty()) o.export_torch = a.export_torch;

  std::unique_ptr<progress_bar> bar;
  auto report = run_training(o, [&](std::int64_t step, std::int64_t total, const step_metrics& m) {
    if (!bar) bar = std::make_unique<progress_bar>("train", total);
    char detail[96];
    std::snprintf(detail, sizeof detail, "loss %.4f lr %.2e", m.loss, m.learning_rate);
    bar->update(step, detail);
  });
  if (bar) bar->finish();

  std::printf("\natn-node train: %lld steps in %.1f s on %s (%s preset), %zu agents\n",
              static_cast<long long>(report.steps), report.seconds, report.device.c_str(), a.preset.c_str(),
              report.agents.size());
  std::printf("  data: %zu sessions (%zu held out), %zu frames (%zu paired); bad input: %s\n", report.sessions,
              report.held_out_sessions, report.frames, report.paired_frames, report.input_problems.c_str());
  std::printf("  held-out (before -> after):\n");
  print_metrics_row("text-only", report.before.text, report.after.text);
  print_metrics_row("visual-only", report.before.visual, report.after.visual);
  print_metrics_row("multimodal", report.before.multimodal, report.after.multimodal);
  std::printf(
      "  agent probe (nearest centroid, %zu held-out sessions, %zu agents): %.1f%% -> %.1f%%"
      " (on byte-bigram counts instead: %.1f%%)\n",
      report.probe_after.sessions, report.probe_after.classes, 100 * report.probe_before.accuracy,
      100 * report.probe_after.accuracy, 100 * report.probe_reference.accuracy);
  if (report.skipped_steps)
    std::printf("  %lld steps had a non-finite loss and were skipped\n", static_cast<long long>(report.skipped_steps));
  std::printf("  model version %s\n", report.version.c_str());
  if (!a.out.empty()) std::printf("  checkpoint written to %s\n", a.out.c_str());
  if (report.collapsed) std::printf("  FAILURE: representation collapse: %s\n", report.collapse_detail.c_str());

  if (a.json) {
    const nlohmann::ordered_json j = {
        {"steps", report.steps},
        {"seconds", report.seconds},
        {"device", report.device},
        {"preset", a.preset},
        {"sessions", report.sessions},
        {"held_out_sessions", report.held_out_sessions},
        {"frames", report.frames},
        {"skipped_steps", report.skipped_steps},
        {"input_problems", report.input_problems},
        {"held_out_before", held_out_json(report.before)},
        {"held_out_after", held_out_json(report.after)},
        {"probe_accuracy_before", report.probe_before.accuracy},
        {"probe_accuracy_after", report.probe_after.accuracy},
        {"probe_accuracy_byte_bigrams", report.probe_reference.accuracy},
        {"probe_sessions", report.probe_after.sessions},
        {"collapsed", report.collapsed},
        {"version", report.version},
    };
    std::printf("%s\n", j.dump().c_str());
  }
  std::fflush(stdout);
  return report.collapsed ? 3 : 0;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<train_args>();
  auto* sub = app.add_subcommand("train", "Train locally on ATN data and report held-out results");
  sub->add_option("--data", args->data, "ATN data directory (conversations/, agents/)")->required();
  sub->add_option("--images", args->images, "directory of screen frames (PNG/JPEG)");
  sub->add_option("--preset", args->preset, "model preset: tiny, small or base")->capture_default_str();
  sub->add_option("--steps", args->steps, "optimisation steps")->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--batch", args->batch, "batch size")->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--modalities", args->modalities,
                  "text, visual or text,visual (default: text,visual with --images, else text)");
  sub->add_option("--holdout", args->holdout, "fraction of sessions held out")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 0.9));
  sub->add_option("--text-mask", args->text_mask,
                  "text targets: span, turn (whole turns), role_tool, role_result or role_assistant")
      ->capture_default_str();
  sub->add_option("--lr", args->lr, "peak learning rate")->capture_default_str();
  sub->add_option("--ema-start", args->ema_start, "EMA momentum at step 0 (rises to 1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--semantic-weight", args->semantic_weight, "weight of the K-vector loss")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10.0));
  sub->add_option("--threads", args->threads, "torch threads (0: all cores)")->capture_default_str();
  sub->add_option("--seed", args->seed, "seed of the split, masks and init")->capture_default_str();
  sub->add_option("--out", args->out, "write a checkpoint here (atomically)");
  sub->add_option("--export-torch", args->export_torch, "write the shared weights for Python's torch.load");
  sub->add_flag("--json", args->json, "print the summary as one JSON object on the last line");
  bind_command(sub, [args] { return run(*args); });
}

}  // namespace atn
