#include "actors/frame_intake_actor.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>

namespace atn {
namespace {

using intake_tick_atom = caf::atom_constant<caf::atom("fitick")>;
using intake_retry_atom = caf::atom_constant<caf::atom("firetry")>;
using clock_type = std::chrono::steady_clock;

constexpr auto feed_timeout = std::chrono::seconds(30);
constexpr auto max_backoff = std::chrono::seconds(30);
constexpr auto save_every = std::chrono::seconds(1);

struct pending_batch {
  std::vector<intake_frame> frames;
  int attempts = 0;
};

struct intake_state {
  std::unique_ptr<frame_intake> intake;
  caf::actor feed;
  std::shared_ptr<std::atomic<bool>> consent;
  bool consent_seen = false;
  std::optional<std::chrono::system_clock::time_point> off_since;
  std::map<std::uint64_t, pending_batch> unacked;
  std::uint64_t next_batch = 0;
  frame_intake_status status;
  clock_type::time_point last_save{};
  bool feed_refusing = false;  // the feed refused the last answer: said once, not at every retry
  static inline const char* name = "frame_intake";
};

using self_ptr = caf::stateful_actor<intake_state>*;

void send_batch(self_ptr self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.unacked.find(id);
  if (it == st.unacked.end()) return;
  frame_batch batch;
  batch.items.reserve(it->second.frames.size());
  for (const auto& f : it->second.frames) batch.items.push_back(f.record);
  ++it->second.attempts;
  ++st.status.batches_sent;
  self->request(st.feed, feed_timeout, std::move(batch))
      .then(
          [=](feed_ack_atom, std::uint64_t stored, std::uint64_t duplicates) {
            auto& s = self->state;
            auto done = s.unacked.find(id);
            if (done == s.unacked.end()) return;
            s.intake->acknowledge(done->second.frames);
            s.status.frames_acked += done->second.frames.size();
            s.status.stored += stored;
            s.status.duplicates += duplicates;
            s.unacked.erase(done);
            if (s.feed_refusing) spdlog::info("frame intake: the feed takes frames again");
            s.feed_refusing = false;
          },
          [=](caf::error& err) {
            auto& s = self->state;
            auto failed = s.unacked.find(id);
            if (failed == s.unacked.end()) return;
            ++s.status.feed_errors;
            const int shift = std::min(failed->second.attempts - 1, 5);
            const auto delay =
                std::min<std::chrono::milliseconds>(s.intake->options().retry_interval * (1 << shift), max_backoff);
            if (!s.feed_refusing)
              spdlog::warn(
                  "frame intake: the feed did not take {} frames ({}); holding them and retrying with "
                  "back-off up to {} s",
                  failed->second.frames.size(), self->system().render(err), max_backoff.count());
            else
              spdlog::debug("frame intake: feed did not take {} frames ({}); retrying in {} ms",
                            failed->second.frames.size(), self->system().render(err), delay.count());
            s.feed_refusing = true;
            self->delayed_send(self, delay, intake_retry_atom::value, id);
          });
}

void dispatch(self_ptr self, std::vector<intake_frame> frames) {
  auto& st = self->state;
  const std::size_t per = st.intake->options().max_batch;
  for (std::size_t i = 0; i < frames.size(); i += per) {
    const std::uint64_t id = st.next_batch++;
    auto& batch = st.unacked[id];
    const auto end = std::min(frames.size(), i + per);
    batch.frames.assign(std::make_move_iterator(frames.begin() + static_cast<std::ptrdiff_t>(i)),
                        std::make_move_iterator(frames.begin() + static_cast<std::ptrdiff_t>(end)));
    send_batch(self, id);
  }
}

void tick(self_ptr self) {
  auto& st = self->state;
  const auto& o = st.intake->options();
  const bool consent = st.consent->load();
  st.consent_seen = consent;
  if (consent && !st.intake->is_open()) {
    spdlog::info("frame intake: capture consent given; opening inputs");
    st.intake->open(st.off_since);
    st.off_since.reset();
  } else if (!consent && st.intake->is_open()) {
    spdlog::info("frame intake: capture consent withdrawn; closing inputs");
    st.intake->close();
    st.off_since = std::chrono::system_clock::now();
  }
  if (st.intake->is_open() && st.unacked.size() < o.max_unacked_batches) {
    dispatch(self, st.intake->poll(o.poll_interval));
    if (clock_type::now() - st.last_save >= save_every) {
      st.intake->save_state();
      st.last_save = clock_type::now();
    }
    self->send(self, intake_tick_atom::value);
  } else {
    // Closed, or the feed is behind: look again after a poll interval without reading.
    if (clock_type::now() - st.last_save >= save_every) {
      st.intake->save_state();
      st.last_save = clock_type::now();
    }
    self->delayed_send(self, o.poll_interval, intake_tick_atom::value);
  }
}

caf::behavior frame_intake_actor(self_ptr self, frame_intake_options options, caf::actor feed) {
  auto& st = self->state;
  st.consent = options.consent;
  st.feed = std::move(feed);
  // Started without consent: whatever appears from now on was written without it.
  if (!st.consent->load()) st.off_since = std::chrono::system_clock::now();
  st.intake = std::make_unique<frame_intake>(std::move(options));
  // Close (and save the taken files) before anyone waiting on this actor learns it is gone.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    self->state.intake->close();
    self->quit(msg.reason);
  });
  self->send(self, intake_tick_atom::value);
  return {
      [=](intake_tick_atom) {
        try {
          tick(self);
        } catch (const std::exception& e) {
          // Never let a surprise stop the intake: report it and keep going.
          self->state.intake->report().problem("intake_error", "frame intake", 0, e.what());
          self->delayed_send(self, self->state.intake->options().poll_interval, intake_tick_atom::value);
        }
      },
      [=](intake_retry_atom, std::uint64_t id) { send_batch(self, id); },
      [=](feed_status_atom) {
        auto& s = self->state;
        frame_intake_status out = s.status;
        out.consent = s.consent_seen;
        out.open = s.intake->is_open();
        out.watching = s.intake->watching();
        out.subscribed = s.intake->subscribed();
        out.counters = s.intake->counters();
        out.unacked_batches = s.unacked.size();
        out.bad_input = s.intake->report().total();
        return out;
      },
  };
}

}  // namespace

caf::actor spawn_frame_intake(caf::actor_system& system, frame_intake_options options, caf::actor feed) {
  if (!options.consent) throw std::invalid_argument("frame intake: a consent switch is required");
  // Validate the filter here, where the caller can catch it, not inside the actor.
  frame_filter check(options.filter);
  (void)check;
  return system.spawn<caf::detached>(frame_intake_actor, std::move(options), std::move(feed));
}

}  // namespace atn
