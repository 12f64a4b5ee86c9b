// The running node's status file (`<state_dir>/status.json`) and what `atn-node status` makes of it.
// The node is another process: it rewrites the file atomically as it works; `status` reads it and the
// feed's segment sizes, and never opens ATN or capture data.
#pragma once

#include "runtime/config/node_config.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace atn {

/// One data source as the running node reports it.
struct source_status {
  std::string name;      ///< "agent_data", "event_bus", "capture", "frame_stream"
  std::string location;  ///< the directory or endpoint it reads
  bool enabled = false;  ///< its consent switch is on and the node reads it
  /// Free-form counters, e.g. {"records": 120, "excluded": 3, "problems": 0}.
  std::map<std::string, std::uint64_t> counters;
};

/// The solo node's standing in the economy, as its treasury client reports it.
struct economy_status {
  bool enabled = false;  ///< false: the node runs without the ledger; nothing is attested or earned
  std::string ledger;    ///< the ledger file
  std::string address;   ///< the wallet's
  std::string balance;   ///< ATN text ("950 ATN")
  std::string stake;     ///< "50 ATN solver"; empty when none
  bool stake_active = false;
  std::uint64_t attested_units = 0;        ///< training steps attested in the ledger's current epoch
  std::uint64_t pending = 0;               ///< outbox entries not yet applied or refused
  std::uint64_t applied = 0, refused = 0;  ///< outbox entries the ledger applied / refused since the node started
  std::string last_error;                  ///< the last refusal or unavailability; empty when none
  std::uint64_t ledger_us = 0;             ///< time the node's transactions spent in ledger calls since start
};

/// What `<state_dir>/status.json` holds.
struct node_status {
  std::int64_t pid = 0;
  std::int64_t started_ms = 0;       ///< Unix ms
  std::int64_t updated_ms = 0;       ///< Unix ms of this write
  std::string activity;              ///< e.g. "waiting for data", "training cycle 3"; may be empty
  bool train_on_agent_data = false;  ///< the switches the node applies now
  bool train_on_capture = false;
  std::vector<source_status> sources;
  std::uint64_t buffered_records = 0;  ///< records the feed holds (on disk and not yet written)
  std::uint64_t buffered_bytes = 0;
  /// Why the feed's disk writes fail (the errno text), or empty while they work.
  std::string feed_write_error;
  std::int64_t feed_write_failing_since_ms = 0;  ///< Unix ms of the first failure in a row
  std::uint64_t feed_failed_batches = 0;         ///< batches the feed refused since it started
  /// A federation node's bridge counters (bridge_stats::counters): accepted, sent, and every
  /// refusal by reason. Empty for a node without a bridge.
  std::map<std::string, std::uint64_t> bridge;
  /// The solo node's economy; nullopt for a node that does not report one.
  std::optional<economy_status> economy;
};

/// Everything `atn-node status` shows besides the config, gathered from the state dir only.
struct status_report {
  bool config_exists = false;       ///< false: the defaults are in use, no file written yet
  std::optional<node_status> node;  ///< nullopt: no status file (or unreadable: see node_problem)
  std::string node_problem;         ///< why the status file could not be read; "" if fine or absent
  bool node_alive = false;          ///< the status file's pid is a running process
  std::uint64_t feed_segments = 0;  ///< segment files under <state_dir>/feed
  std::uint64_t feed_disk_bytes = 0;
  std::int64_t now_ms = 0;
};

/// `<state_dir>/status.json`.
std::filesystem::path node_status_path(const std::filesystem::path& state_dir);

/// Writes `status` as JSON to `<state_dir>/status.json` atomically (temp, fsync, rename), creating
/// the directory if needed. Throws std::system_error on I/O failure.
void write_node_status(const std::filesystem::path& state_dir, const node_status& status);

/// The status file in `state_dir`, or nullopt when there is none. Throws std::runtime_error naming
/// the file and the field when it is not a status file.
std::optional<node_status> read_node_status(const std::filesystem::path& state_dir);

/// Whether a process with this pid exists (signal 0 succeeds or is refused for permission).
bool process_alive(std::int64_t pid);

/// The segment files (`seg-*.log`) anywhere under `<state_dir>/feed`: how many and their bytes.
std::pair<std::uint64_t, std::uint64_t> feed_disk_usage(const std::filesystem::path& state_dir);

/// Reads the config file's existence, the status file and the feed's sizes. Opens nothing under
/// atn_dir or capture_dir.
status_report gather_status(const node_config& config);

/// "bridge:   3 messages accepted (1.2 KiB), 10000 refused (malformed 5000, unknown_sender 5000); 4 sent
/// (5.0 MiB)": a bridge's counters (bridge_stats::counters) in one line.
std::string render_bridge_counters(const std::map<std::string, std::uint64_t>& counters);

/// "economy:  wallet 0x… on the ledger FILE: balance 950 ATN, stake 50 ATN solver (active), 12 training
/// steps attested this epoch", the outbox's counts and the last error, one line each; or that it is off.
std::string render_economy(const economy_status& economy);

/// The plain-text report: the config and state paths, one sentence per consent switch, privacy,
/// whether the node runs and what each source has read, and how much is buffered.
std::string render_status(const node_config& config, const status_report& report);

}  // namespace atn
