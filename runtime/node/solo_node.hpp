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

/// Runs the solo node until `stop` turns true: logs the consent sentences, opens the feed, starts
/// the event subscriber and the frame intake (their switches follow `config_path` live, so turning
/// one off stops reading at once), resumes from the checkpoint when there is one, and on each
/// cycle_ready trains `train.steps_per_cycle` steps on the aligned recent window of the feed, logging
/// one line per cycle and writing the checkpoint atomically every `checkpoint_every_cycles` cycles
/// (and at a clean stop). Writes `<state_dir>/status.json` every second. `config` gives the settings
/// read before the watcher started; the watcher's first load wins. Returns the exit code: 0 after a
/// clean stop, 1 when the feed, the config or the checkpoint cannot be used (the reason is logged).
int run_solo_node(const node_config& config, const std::filesystem::path& config_path, const std::atomic<bool>& stop);

}  // namespace atn
