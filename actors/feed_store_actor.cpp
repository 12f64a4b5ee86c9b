#include "actors/feed_store_actor.hpp"

#include "messages/feed_messages.hpp"
#include "messages/feed_read.hpp"
#include "messages/feed_status.hpp"
#include "runtime/storage/feed_write_health.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>
#include <memory>
#include <optional>

namespace atn {
namespace {

// Self-sent: re-check the cycle trigger once the interval has passed; apply the age bound.
using feed_recheck_atom = caf::atom_constant<caf::atom("feedrchk")>;
using feed_retain_atom = caf::atom_constant<caf::atom("feedretn")>;

using ack_result = caf::result<feed_ack_atom, std::uint64_t, std::uint64_t>;
using clock = std::chrono::steady_clock;

struct feed_state {
  std::unique_ptr<feed_store> store;
  feed_store_actor_options options;
  caf::actor subscriber;
  std::optional<clock::time_point> last_cycle;
  bool recheck_pending = false;
  std::uint64_t cycles = 0;
  std::int64_t last_cycle_ms = -1;
  std::uint64_t failed_batches = 0;
  feed_write_health health;
  static inline const char* name = "feed_store_actor";
};

using feed_actor = caf::stateful_actor<feed_state>;

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Sends cycle_ready when enough new interactions have arrived and the interval has passed; when
// only the interval is missing, schedules one re-check for the moment it passes.
void check_cycle(feed_actor* self) {
  auto& st = self->state;
  if (!st.subscriber) return;
  const std::uint64_t fresh = st.store->new_interactions();
  if (fresh < std::max<std::uint64_t>(1, st.options.cycle_min_interactions)) return;
  const auto now = clock::now();
  if (st.last_cycle && now - *st.last_cycle < st.options.cycle_min_interval) {
    if (!st.recheck_pending) {
      st.recheck_pending = true;
      self->delayed_send(self, *st.last_cycle + st.options.cycle_min_interval - now, feed_recheck_atom::value);
    }
    return;
  }
  // Both clocks read together: the status shows when the interval started.
  st.last_cycle = now;
  st.last_cycle_ms = wall_clock_ms();
  try {
    st.store->mark_cycle();
  } catch (const std::exception& e) {
    // Only the saved copy is lost: after a restart some records may count again.
    spdlog::warn("feed_store_actor: cannot save the cycle position: {}", e.what());
  }
  ++st.cycles;
  self->send(st.subscriber, cycle_ready_atom::value, fresh);
}

template <class Batch>
ack_result store_batch(feed_actor* self, const Batch& batch) {
  auto& st = self->state;
  feed_store_result result;
  try {
    result = st.store->store(batch);
  } catch (const std::exception& e) {
    ++st.failed_batches;
    // Once per change and a reminder now and then: the senders retry every batch until it is taken.
    if (auto note = st.health.failed(e.what(), clock::now(), wall_clock_ms())) {
      if (note->what == feed_write_health::note::kind::failing)
        spdlog::error("feed_store_actor: {}", note->text);
      else
        spdlog::warn("feed_store_actor: {}", note->text);
    } else {
      spdlog::debug("feed_store_actor: a batch of {} records was not stored: {}", batch.items.size(), e.what());
    }
    return caf::make_error(caf::sec::runtime_error, std::string("feed write failed: ") + e.what());
  }
  if (auto note = st.health.succeeded(clock::now())) spdlog::info("feed_store_actor: {}", note->text);
  check_cycle(self);
  return ack_result(feed_ack_atom::value, result.stored, result.duplicates);
}

template <class Entry>
auto records_of(std::vector<Entry>&& entries) {
  std::vector<decltype(Entry::record)> out;
  out.reserve(entries.size());
  for (auto& e : entries) out.push_back(std::move(e.record));
  return out;
}

caf::behavior feed_store_actor(feed_actor* self, std::unique_ptr<feed_store> store, feed_store_actor_options options) {
  self->state.store = std::move(store);
  self->state.options = options;
  self->state.health = feed_write_health(options.failure_reminder);
  if (options.retention_interval.count() > 0)
    self->delayed_send(self, options.retention_interval, feed_retain_atom::value);
  self->set_down_handler([=](caf::down_msg& down) {
    if (down.source == self->state.subscriber.address()) self->state.subscriber = caf::actor{};
  });
  return {
      [=](interaction_batch& batch) { return store_batch(self, batch); },
      [=](frame_batch& batch) { return store_batch(self, batch); },
      [=](cycle_ready_atom, caf::actor subscriber) {
        if (self->state.subscriber) self->demonitor(self->state.subscriber);
        self->state.subscriber = std::move(subscriber);
        if (self->state.subscriber) self->monitor(self->state.subscriber);
        check_cycle(self);
      },
      [=](feed_recheck_atom) {
        self->state.recheck_pending = false;
        check_cycle(self);
      },
      [=](feed_retain_atom) {
        try {
          self->state.store->enforce_retention(wall_clock_ms());
        } catch (const std::exception& e) {
          spdlog::error("feed_store_actor: applying the age bound failed: {}", e.what());
        }
        self->delayed_send(self, self->state.options.retention_interval, feed_retain_atom::value);
      },
      [=](feed_status_atom) {
        const auto& st = self->state;
        feed_status status;
        status.counters = st.store->counters();
        status.cycles = st.cycles;
        status.last_cycle_ms = st.last_cycle_ms;
        status.subscribed = static_cast<bool>(st.subscriber);
        status.failed_batches = st.failed_batches;
        status.write_error = st.health.error();
        status.write_failing_since_ms = st.health.failing_since_ms();
        return status;
      },
      [=](feed_read_atom, std::uint64_t text_cursor, std::uint64_t frame_cursor,
          std::uint64_t max_each) -> caf::result<feed_slice> {
        try {
          const auto max = static_cast<std::size_t>(max_each);
          feed_slice slice;
          slice.interactions = records_of(self->state.store->read_interactions(text_cursor, max));
          slice.frames = records_of(self->state.store->read_frames(frame_cursor, max));
          slice.next_text_cursor = text_cursor;
          slice.next_frame_cursor = frame_cursor;
          return slice;
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, std::string("feed read failed: ") + e.what());
        }
      },
      [=](feed_read_atom, std::int64_t since_ms) -> caf::result<feed_slice> {
        try {
          const auto& store = *self->state.store;
          feed_slice slice;
          slice.interactions = records_of(store.recent_interactions(since_ms));
          slice.frames = records_of(store.recent_frames(since_ms));
          slice.next_text_cursor = store.text_log().written_sequence() + 1;
          slice.next_frame_cursor = store.frame_log().written_sequence() + 1;
          return slice;
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, std::string("feed read failed: ") + e.what());
        }
      },
  };
}

}  // namespace

caf::expected<caf::actor> spawn_feed_store(caf::actor_system& system, feed_store_actor_options options) {
  std::unique_ptr<feed_store> store;
  try {
    store = std::make_unique<feed_store>(options.store);
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error,
                           "cannot open the feed in " + options.store.state_dir.string() + ": " + e.what());
  }
  return system.spawn<caf::detached>(feed_store_actor, std::move(store), std::move(options));
}

}  // namespace atn
