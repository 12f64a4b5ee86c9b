#include "runtime/node/train_run.hpp"

#include "actors/ema_updater.hpp"
#include "actors/trainer.hpp"
#include "messages/training_messages.hpp"
#include "model/checkpoint.hpp"
#include "runtime/util/file_util.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <stdexcept>

namespace atn {
namespace {

std::vector<training_sample> first(const std::vector<training_sample>& v, std::size_t n) {
  return {v.begin(), v.begin() + std::min(n, v.size())};
}

held_out_metrics measure(vl_jepa_trainer& engine, const sample_split& held, const train_run_options& o) {
  held_out_metrics m;
  const auto b = o.train.batch_size;
  const auto& model = engine.model();
  const std::uint64_t seed = 0xe7a1;  // same masks before and after training
  if (!held.text.empty()) m.text = engine.evaluate(make_batches(first(held.text, o.eval_samples), b, model), seed);
  if (!held.visual.empty())
    m.visual = engine.evaluate(make_batches(first(held.visual, o.eval_samples), b, model), seed);
  if (!held.multimodal.empty())
    m.multimodal = engine.evaluate(make_batches(first(held.multimodal, o.eval_samples), b, model), seed);
  return m;
}

// A collapse: the held-out target embeddings of some modality lost (nearly) all spread across
// samples, or far more than they had before training.
void check_collapse(train_run_report& r, double floor) {
  auto check = [&](const std::optional<step_metrics>& before, const std::optional<step_metrics>& after,
                   const char* kind) {
    if (!before || !after) return;
    for (auto [b, a, modality] :
         {std::tuple{&before->text, &after->text, "text"}, std::tuple{&before->visual, &after->visual, "visual"}}) {
      if (!a->present) continue;
      if (a->spread < floor || a->spread < 0.1 * b->spread) {
        r.collapsed = true;
        r.collapse_detail += std::string(kind) + "/" + modality + " spread " + std::to_string(b->spread) + " -> " +
                             std::to_string(a->spread) + "; ";
      }
    }
  };
  check(r.before.text, r.after.text, "text");
  check(r.before.visual, r.after.visual, "visual");
  check(r.before.multimodal, r.after.multimodal, "multimodal");
}

}  // namespace

train_run_report run_training(const train_run_options& o, const train_progress_callback& progress) {
  train_run_report r;
  input_report problems;
  auto data = load_training_data(o.data, problems);
  r.sessions = data.sessions;
  r.held_out_sessions = data.held_out_sessions;
  r.frames = data.frames;
  r.paired_frames = data.paired_frames;
  r.train_samples = data.train.size();
  r.held_out_samples = data.held_out.size();
  r.agents = data.agents;
  spdlog::info(
      "data: {} sessions ({} held out), {} frames ({} paired), {} training and {} held-out samples "
      "(text {}, visual {}, multimodal {}); bad input: {}",
      r.sessions, r.held_out_sessions, r.frames, r.paired_frames, r.train_samples, r.held_out_samples,
      data.train.text.size(), data.train.visual.size(), data.train.multimodal.size(), problems.summary());

  configure_torch_threads(o.train.threads);
  auto engine = std::make_shared<vl_jepa_trainer>(o.data.model, o.train);
  r.device = engine->device_name();
  r.before = measure(*engine, data.held_out, o);
  r.probe_before = run_agent_probe(*engine, data.train.text, data.held_out.text);
  r.probe_reference = run_byte_bigram_probe(data.train.text, data.held_out.text);

  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", 1);
    caf::actor_system system{cfg};
    auto source = std::make_shared<sample_pool_source>(data.train, o.data.model, o.train.batch_size, o.train.seed);
    auto ema = spawn_ema_updater(system, o.train.ema_start, o.train.ema_end);
    auto trainer = spawn_trainer(system, engine, source, ema);
    caf::scoped_actor self{system};
    self->send(trainer, train_task{"local", o.train.steps, o.data.modalities, o.train.learning_rate, ""});
    bool done = false;
    std::string failure;
    while (!done) {
      self->receive(
          [&](train_progress& p) {
            if (progress) progress(p.step, p.total, p.metrics);
          },
          [&](train_result& result) {
            r.last_step = result.last;
            r.steps = result.steps;
            r.skipped_steps = result.skipped_steps;
            r.seconds = result.seconds;
            r.version = result.trained_version;
            done = true;
          },
          [&](train_failure& f) {
            failure = f.reason;
            done = true;
          });
    }
    self->send_exit(trainer, caf::exit_reason::user_shutdown);
    self->send_exit(ema, caf::exit_reason::user_shutdown);
    if (!failure.empty()) throw std::runtime_error("training failed: " + failure);
  }

  r.after = measure(*engine, data.held_out, o);
  r.probe_after = run_agent_probe(*engine, data.train.text, data.held_out.text);
  check_collapse(r, o.train.collapse_spread);
  r.input_problems = problems.summary();

  if (o.out) {
    checkpoint ckpt{engine->model(), engine->steps_done(), "atn-node train", engine->full_state()};
    auto bytes = encode_checkpoint(ckpt);
    write_file_atomic(*o.out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  if (o.export_torch) {
    auto bytes = export_torch_dict(engine->shared_weights());
    write_file_atomic(*o.export_torch, std::string_view(bytes.data(), bytes.size()));
  }
  return r;
}

}  // namespace atn
