#include "actors/trainer.hpp"

#include "messages/training_messages.hpp"
#include "model/vl_jepa_trainer.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>

#include <chrono>

namespace atn {
namespace {

using clock_type = std::chrono::steady_clock;

struct trainer_state {
  std::shared_ptr<vl_jepa_trainer> engine;
  std::shared_ptr<batch_source> batches;
  caf::actor ema;
  bool busy = false;
  train_task task;
  caf::actor requester;
  named_tensors base;
  std::int64_t step = 0;
  std::int64_t samples = 0;
  std::int64_t skipped = 0;
  step_metrics last;
  clock_type::time_point started;
  static inline const char* name = "trainer";
};

using self_ptr = caf::stateful_actor<trainer_state>*;

void fail(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  self->send(st.requester, train_failure{st.task.task_id, reason});
  st.busy = false;
  st.base.clear();
}

void finish(self_ptr self) {
  auto& st = self->state;
  train_result result;
  result.task_id = st.task.task_id;
  result.base_version = st.task.base_version;
  auto trained = st.engine->shared_weights();
  result.trained_version = to_hex(blake2b_256(trained));
  result.delta = subtract(trained, st.base);
  result.last = st.last;
  result.steps = st.step;
  result.samples = st.samples;
  result.skipped_steps = st.skipped;
  result.seconds = std::chrono::duration<double>(clock_type::now() - st.started).count();
  self->send(st.requester, std::move(result));
  st.busy = false;
  st.base.clear();
}

void run_step(self_ptr self) {
  auto& st = self->state;
  if (!st.busy) return;
  std::optional<training_batch> batch;
  try {
    batch = st.batches->next(st.task.modalities);
    if (!batch) return fail(self, "no samples of the requested modalities to train on");
    st.last = st.engine->train_step(*batch);
  } catch (const std::exception& e) {
    return fail(self, std::string("training step failed: ") + e.what());
  }
  st.samples += batch->batch;
  if (!st.last.finite) ++st.skipped;
  const auto step = ++st.step;
  self->request(st.ema, caf::infinite, ema_momentum_atom::value, step, st.task.steps)
      .then(
          [=](double momentum) {
            auto& s = self->state;
            s.engine->update_targets(momentum);
            const double elapsed = std::chrono::duration<double>(clock_type::now() - s.started).count();
            self->send(s.requester, train_progress{s.task.task_id, step, s.task.steps, s.last, momentum, elapsed});
            if (step < s.task.steps)
              self->send(self, train_step_atom::value);
            else
              finish(self);
          },
          [=](caf::error& err) { fail(self, "EMA updater failed: " + self->system().render(err)); });
}

caf::behavior trainer(self_ptr self, std::shared_ptr<vl_jepa_trainer> engine, std::shared_ptr<batch_source> batches,
                      caf::actor ema) {
  self->state.engine = std::move(engine);
  self->state.batches = std::move(batches);
  self->state.ema = std::move(ema);
  return {
      [=](train_task& task) {
        auto& st = self->state;
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        if (st.busy) {
          self->send(sender, train_failure{task.task_id, "trainer is busy with task " + st.task.task_id});
          return;
        }
        st.requester = sender;
        st.task = std::move(task);
        st.busy = true;
        if (st.task.steps <= 0) return fail(self, "a task needs at least one step");
        if (!st.task.modalities.text && !st.task.modalities.visual) return fail(self, "a task needs a modality");
        if (!st.task.base_weights.empty()) {
          st.engine->load_shared_weights(st.task.base_weights);
          st.task.base_weights.clear();  // the engine holds them now
        }
        st.base = st.engine->shared_weights();
        const auto version = to_hex(blake2b_256(st.base));
        if (st.task.base_version.empty()) st.task.base_version = version;
        if (st.task.base_version != version)
          return fail(self, "base model " + version + " is not the task's version " + st.task.base_version);
        st.engine->reset_optimizer();
        st.engine->train().steps = st.task.steps;
        st.engine->train().learning_rate = st.task.learning_rate;
        st.step = st.samples = st.skipped = 0;
        st.started = clock_type::now();
        self->send(self, train_step_atom::value);
      },
      [=](train_step_atom) { run_step(self); },
  };
}

}  // namespace

caf::actor spawn_trainer(caf::actor_system& system, std::shared_ptr<vl_jepa_trainer> engine,
                         std::shared_ptr<batch_source> batches, caf::actor ema_updater) {
  return system.spawn<caf::detached>(trainer, std::move(engine), std::move(batches), std::move(ema_updater));
}

}  // namespace atn
