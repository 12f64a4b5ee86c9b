// Subscribes to the ATN event bus (a ZeroMQ PUB socket) and hands out the events the node learns
// from: completed and failed executions and completed steps.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace atn {

class input_report;

/// Where the bus is and how much to take from it.
struct event_bus_options {
  /// Endpoint of the publisher to connect to, e.g. "tcp://127.0.0.1:5555" or "ipc:///run/atn/events".
  std::string endpoint;
  /// Larger messages are refused by ZeroMQ (ZMQ_MAXMSGSIZE: the connection is dropped and made again).
  std::size_t max_message_bytes = std::size_t{64} << 20;
  /// How many recent event_ids are remembered to drop repeats.
  std::size_t dedup_window = 10000;
  /// At most this many messages are read per poll.
  std::size_t max_events_per_poll = 1024;
};

/// One event the node learns from.
///
/// A bus message is one JSON object `{type, source, data, timestamp, event_id}` (a multipart
/// message is read from its last frame; earlier frames are taken as topics). Types:
/// - "execution.completed", "execution.failed": `data` is an execution record as one line of
///   agents/<agent>/execution.jsonl holds it;
/// - "step.completed": `data` is one step record as in the record's `step_results`
///   (step_name, step_type, output, error, started_at, completed_at) plus `execution_id`
///   (string), `agent_id` (string, optional) and `step_index` (integer >= 0, the step's position
///   in step_results), see data/execution_steps.hpp.
/// Other types are counted and ignored.
struct bus_event {
  std::string type;
  std::string source;
  std::string event_id;            ///< empty when the message had none (then never de-duplicated)
  std::int64_t timestamp_ms = -1;  ///< the message's `timestamp` (ISO-8601 or epoch), -1 if absent
  std::string data;                ///< the `data` object as JSON text
  std::uint64_t sequence = 0;      ///< the message's number since the subscriber started (1-based)
};

/// What the subscriber has seen since it started (bad input is also in the input_report).
struct event_bus_counters {
  std::uint64_t messages = 0;    ///< messages received
  std::uint64_t events = 0;      ///< events handed out
  std::uint64_t ignored = 0;     ///< well-formed events of other types
  std::uint64_t duplicates = 0;  ///< events whose event_id was seen recently
  std::uint64_t malformed = 0;   ///< not JSON, binary, not an object, missing fields
};

/// A ZeroMQ SUB socket connected to the event bus and subscribed to everything. Bad messages are
/// reported to the input_report (file = "event bus <endpoint>", line = message number) and
/// dropped; invalid UTF-8 is reported and repaired (U+FFFD), as for files. Not thread-safe.
class event_bus_subscriber {
 public:
  /// Makes its own ZeroMQ context and connects (the publisher need not be up yet). Throws
  /// std::invalid_argument for an unusable endpoint.
  event_bus_subscriber(event_bus_options options, input_report& report);
  ~event_bus_subscriber();
  event_bus_subscriber(const event_bus_subscriber&) = delete;
  event_bus_subscriber& operator=(const event_bus_subscriber&) = delete;

  /// Events received, waiting up to `timeout` for the first one.
  std::vector<bus_event> poll(std::chrono::milliseconds timeout);

  const event_bus_counters& counters() const { return counters_; }

  /// "event bus <endpoint>": how problems name this input.
  const std::string& name() const { return name_; }

 private:
  bool fresh(const std::string& event_id);
  void take(std::string_view message, std::vector<bus_event>& out);

  struct socket;
  event_bus_options options_;
  input_report& report_;
  std::string name_;
  std::unique_ptr<socket> socket_;
  event_bus_counters counters_;
  std::deque<std::string> recent_order_;
  std::unordered_set<std::string> recent_;
};

}  // namespace atn
