// `atn-node run`: the node on its own. It follows the ATN data and the capture directory behind the
// consent switches, keeps what arrives in the feed, and trains locally in cycles whenever the feed
// says enough new interactions have come, checkpointing as it goes.
#pragma once

#include "runtime/config/node_config.hpp"

#include <atomic>
#include <filesystem>

namespace atn {

/// `<state_dir>/checkpoints/latest.ckpt`: the solo node's checkpoint, resumed at start.
std::filesystem::path solo_checkpoint_path(const std::filesystem::path& state_dir);

/// What `atn-node run` sets beside the config file.
struct solo_options {
  bool no_ledger = false;   ///< --no-ledger: as `ledger.enabled: false`
  std::string ledger_file;  ///< --ledger: replaces `ledger.path`
};

/// The outbox key's node name in solo mode: keys read "solo/attest/solo/<total steps>".
inline constexpr const char* solo_node_name = "solo";

/// Runs the solo node until `stop` turns true: logs the consent sentences, opens the feed, starts
/// the event subscriber and the frame intake (their switches follow `config_path` live, so turning
/// one off stops reading at once), resumes from the checkpoint when there is one, and on each
/// cycle_ready trains `train.steps_per_cycle` steps on the aligned recent window of the feed, logging
/// one line per cycle and writing the checkpoint atomically every `checkpoint_every_cycles` cycles
/// (and at a clean stop). Writes `<state_dir>/status.json` every second. `config` gives the settings
/// read before the watcher started; the watcher's first load wins, and `options` apply on top of it.
///
/// With the ledger (the default) it first opens the wallet and the ledger and passes the gate
/// (runtime/node/solo_economy); when that fails it stops before training with one line naming what
/// is missing and the fix. It runs the treasury client (outbox `<state_dir>/treasury_outbox.sqlite`),
/// and attests every cycle's steps under the key `solo/attest/solo/<total steps after it>` before
/// that cycle's checkpoint is written, so a crash between the two re-trains the cycle from the older
/// checkpoint to the same total, whose key the outbox already holds: each step is attested once.
/// Steps of a cycle cut short by a failure or a clean stop are attested the same way before the
/// checkpoint that keeps them.
///
/// Returns the exit code: 0 after a clean stop, 1 when the economy's gate is closed, or the feed,
/// the config, the checkpoint or the outbox cannot be used (the reason is logged).
int run_solo_node(const node_config& config, const std::filesystem::path& config_path, const std::atomic<bool>& stop,
                  const solo_options& options = {});

}  // namespace atn
