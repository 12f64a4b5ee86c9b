#include "actors/event_subscriber.hpp"

#include "messages/feed_messages.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>
#include <stdexcept>

namespace atn {
namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

class subscriber {
 public:
  subscriber(caf::blocking_actor* self, event_subscriber_options options, caf::actor feed)
      : self_(self), opt_(std::move(options)), feed_(std::move(feed)) {}

  void run() {
    while (running_) {
      try {
        round();
      } catch (const std::exception& e) {
        // Never let a surprise stop the subscriber: report it and go on after a pause.
        opt_.report->problem("subscriber_error", "event subscriber", 0, e.what());
        mailbox(opt_.poll_interval);
      }
    }
    close();
  }

 private:
  bool is_open() const { return extractor_ != nullptr; }

  void open() {
    spdlog::info("event subscriber: agent-data consent given; opening inputs");
    extractor_ = std::make_unique<interaction_extractor>(opt_.privacy, *opt_.report);
    open_missing();
  }

  // Opens the inputs that are configured but not open (a failure is retried later).
  void open_missing() {
    const auto now = clock_type::now();
    if (now < next_open_) return;
    next_open_ = now + std::max(opt_.retry_interval, milliseconds(1000));
    if (!follower_ && !opt_.files.atn_dir.empty()) {
      try {
        follower_ = std::make_unique<jsonl_follower>(opt_.files, *opt_.report);
      } catch (const std::exception& e) {
        opt_.report->problem("input_unavailable", opt_.files.atn_dir.string(), 0, e.what());
      }
    }
    if (!bus_ && !opt_.bus.endpoint.empty()) {
      try {
        bus_ = std::make_unique<event_bus_subscriber>(opt_.bus, *opt_.report);
      } catch (const std::exception& e) {
        opt_.report->problem("input_unavailable", opt_.bus.endpoint, 0, e.what());
      }
    }
  }

  void close() {
    if (is_open()) spdlog::info("event subscriber: closing inputs");
    // Lines of an unacknowledged batch were not committed: they are read again when reopened.
    follower_.reset();
    bus_.reset();
    extractor_.reset();
    pending_ = false;
    batch_ = {};
    batch_lines_.clear();
    next_open_ = {};
    failures_ = 0;
  }

  void round() {
    const bool consent = opt_.consent->load();
    status_.consent = consent;
    if (!consent) {
      if (is_open()) {
        spdlog::info("event subscriber: agent-data consent withdrawn");
        close();
      }
      mailbox(opt_.poll_interval);
      return;
    }
    if (!is_open()) open();
    open_missing();
    if (pending_) {
      const auto now = clock_type::now();
      if (now < retry_at_) {
        mailbox(std::min(std::chrono::duration_cast<milliseconds>(retry_at_ - now), opt_.poll_interval));
      } else {
        send();
      }
      return;
    }
    std::vector<followed_line> lines;
    std::vector<bus_event> events;
    if (follower_) lines = follower_->poll(opt_.poll_interval);
    if (bus_) events = bus_->poll(follower_ ? milliseconds(0) : opt_.poll_interval);
    if (!follower_ && !bus_) mailbox(opt_.poll_interval);
    status_.lines += lines.size();
    status_.events += events.size();
    std::vector<interaction> items;
    for (const auto& line : lines) extractor_->extract(line, items);
    for (const auto& event : events) extractor_->extract(event, bus_->name(), items);
    if (items.empty()) {
      commit(lines);  // nothing to hand over (or only skipped lines): done with them
    } else {
      batch_.items = std::move(items);
      batch_lines_ = std::move(lines);
      pending_ = true;
      send();
    }
    mailbox(milliseconds(0));
  }

  void send() {
    ++status_.batches_sent;
    bool acked = false;
    self_->request(feed_, opt_.feed_timeout, batch_)
        .receive(
            [&](feed_ack_atom, std::uint64_t stored, std::uint64_t duplicates) {
              acked = true;
              status_.stored += stored;
              status_.duplicates += duplicates;
            },
            [&](caf::error& err) {
              ++status_.feed_errors;
              // The feed logs why; here once that records are held, not at every retry.
              if (failures_ == 0)
                spdlog::warn(
                    "event subscriber: the feed did not take {} interactions ({}); holding them and "
                    "retrying with back-off up to {} ms",
                    batch_.items.size(), self_->system().render(err), opt_.max_retry_interval.count());
              else
                spdlog::debug("event subscriber: the feed did not take {} interactions ({}), attempt {}",
                              batch_.items.size(), self_->system().render(err), failures_ + 1);
            });
    if (!acked) {
      // 1, 2, 4, ... times the interval: a full disk is not fixed by asking twice a second.
      const int doublings = static_cast<int>(std::min<std::uint64_t>(failures_, 16));
      retry_at_ = clock_type::now() + std::min(opt_.retry_interval * (std::int64_t{1} << doublings),
                                               std::max(opt_.max_retry_interval, opt_.retry_interval));
      ++failures_;
      return;
    }
    if (failures_ > 0)
      spdlog::info("event subscriber: the feed took the {} held interactions after {} failed attempts",
                   batch_.items.size(), failures_);
    failures_ = 0;
    status_.interactions += batch_.items.size();
    commit(batch_lines_);
    pending_ = false;
    batch_ = {};
    batch_lines_.clear();
  }

  void commit(const std::vector<followed_line>& lines) {
    if (!follower_) return;
    try {
      follower_->commit(lines);
    } catch (const std::exception& e) {
      // Kept in memory; written with the next commit.
      opt_.report->problem("state_not_saved", opt_.files.state_file.string(), 0, e.what());
    }
  }

  event_subscriber_status snapshot() const {
    event_subscriber_status out = status_;
    out.open = is_open();
    out.watches = follower_ ? follower_->watch_count() : 0;
    out.files = follower_ ? follower_->file_count() : 0;
    out.subscribed = bus_ != nullptr;
    out.bad_input = opt_.report->total();
    if (extractor_) out.extracted = extractor_->counters();
    if (bus_) out.bus = bus_->counters();
    return out;
  }

  // Handles control messages: waits up to `wait` for the first, then takes the rest without waiting.
  void mailbox(milliseconds wait) {
    for (bool first = true; running_; first = false) {
      bool got = false;
      self_->receive(
          [&](caf::exit_msg&) {
            got = true;
            running_ = false;
          },
          [&](feed_status_atom) -> event_subscriber_status {
            got = true;
            return snapshot();
          },
          caf::others >> [&](caf::message_view& msg) -> caf::result<caf::message> {
            got = true;
            spdlog::debug("event subscriber: unexpected message ignored");
            return caf::sec::unexpected_message;
          },
          caf::after(first ? wait : milliseconds(0)) >> [] {});
      if (!got) return;
    }
  }

  caf::blocking_actor* self_;
  event_subscriber_options opt_;
  caf::actor feed_;
  bool running_ = true;
  event_subscriber_status status_;
  std::unique_ptr<interaction_extractor> extractor_;  // non-null while open
  std::unique_ptr<jsonl_follower> follower_;
  std::unique_ptr<event_bus_subscriber> bus_;
  clock_type::time_point next_open_{};
  bool pending_ = false;  // batch_ was sent and not yet acknowledged
  interaction_batch batch_;
  std::vector<followed_line> batch_lines_;
  clock_type::time_point retry_at_{};
  std::uint64_t failures_ = 0;  // failed requests in a row: the back-off's exponent
};

void event_subscriber_actor(caf::blocking_actor* self, event_subscriber_options options, caf::actor feed) {
  subscriber(self, std::move(options), std::move(feed)).run();
}

}  // namespace

caf::actor spawn_event_subscriber(caf::actor_system& system, event_subscriber_options options, caf::actor feed) {
  if (!options.consent) throw std::invalid_argument("event subscriber: a consent switch is required");
  if (!options.report) options.report = std::make_shared<input_report>();
  return system.spawn(event_subscriber_actor, std::move(options), std::move(feed));
}

}  // namespace atn
