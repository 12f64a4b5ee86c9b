#include "actors/ema_updater.hpp"

#include "messages/training_messages.hpp"
#include "model/schedules.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>

namespace atn {
namespace {

struct ema_state {
  double start = 0.996;
  double end = 1.0;
  std::int64_t last_step = 0;
  double last_momentum = 0;
  static inline const char* name = "ema_updater";
};

caf::behavior ema_updater(caf::stateful_actor<ema_state>* self, double start, double end) {
  self->state.start = start;
  self->state.end = end;
  return {
      [=](ema_configure_atom, double s, double e) {
        self->state.start = s;
        self->state.end = e;
      },
      [=](ema_momentum_atom, std::int64_t step, std::int64_t total) {
        auto& st = self->state;
        st.last_step = step;
        st.last_momentum = ema_momentum_at(step, total, st.start, st.end);
        return st.last_momentum;
      },
      [=](ema_state_atom) { return caf::make_message(self->state.last_step, self->state.last_momentum); },
  };
}

}  // namespace

caf::actor spawn_ema_updater(caf::actor_system& system, double start, double end) {
  return system.spawn(ema_updater, start, end);
}

}  // namespace atn
