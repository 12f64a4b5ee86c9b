// The node's config file (YAML): where it reads from and keeps its state, the two consent switches,
// privacy, capture, feed, alignment and training settings. Defaults follow XDG and just run.
#pragma once

#include "data/frame_filter.hpp"
#include "data/privacy_filter.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace atn {

/// Where things are. Every path is absolute once loaded.
struct node_paths {
  std::filesystem::path config_file;  ///< the file this config came from (not a key in it)
  std::filesystem::path state_dir;    ///< feed, checkpoints, keys, status.json
  std::filesystem::path atn_dir;      ///< ATN's data: conversations/, agents/
  std::filesystem::path capture_dir;  ///< frames written by the capture tool
};

/// The two independent switches. With one off, that data is never opened, not even to count it.
struct consent_config {
  bool train_on_agent_data = false;  ///< ATN conversations and executions (files and event bus)
  bool train_on_capture = false;     ///< screen and browser frames (directory and frame stream)
};

/// ATN's ZeroMQ event bus.
struct event_bus_config {
  std::string endpoint;  ///< e.g. "tcp://127.0.0.1:5556"; "" = not subscribed
};

/// Screen and browser frames.
struct capture_config {
  std::string frame_stream;  ///< ZeroMQ endpoint of a live frame stream; "" = none
  /// Case-insensitive substrings: a frame whose window title, URL or source id contains one is
  /// dropped before it is decoded.
  std::vector<std::string> exclude_window_titles;
  std::vector<std::string> exclude_urls;
  std::vector<std::string> exclude_sources;
  std::vector<blur_region> blur_regions;  ///< pixelated before anything else sees the frame
  double fps_cap = 2.0;                   ///< frames per second kept per source, > 0
  int image_size = 0;                     ///< pixels per side fed to the model; 0 = the preset's
};

/// When the feed's ring log makes records durable (mirrors ring_fsync without depending on it).
enum class feed_fsync { every_flush, periodic, never };

/// The durable ring buffer of interactions and frames.
struct feed_config {
  std::uint64_t max_bytes = std::uint64_t{1} << 30;  ///< on-disk budget; 0 = unbounded
  double max_age_hours = 72;                         ///< records older than this age out; 0 = never
  feed_fsync fsync = feed_fsync::every_flush;
  std::uint64_t cycle_min_interactions = 32;  ///< a training cycle waits for this many new ones
  double cycle_min_interval_seconds = 60;     ///< and at least this long since the last cycle
};

/// Pairing text with frames.
struct align_config {
  std::int64_t window_ms = 2000;  ///< a frame pairs with text within ±window_ms
  /// Relative share of text-only, visual-only and multimodal samples in a batch (>= 0, not all 0).
  double mix_text = 1.0;
  double mix_visual = 1.0;
  double mix_multimodal = 1.0;
};

/// Local training cycles.
struct train_section {
  std::string preset = "small";  ///< a model preset: tiny, small or base
  std::int64_t steps_per_cycle = 50;
  std::int64_t batch = 8;
  double learning_rate = 1e-3;
  int threads = 0;  ///< torch intra-op threads; 0 = all cores
  std::int64_t checkpoint_every_cycles = 1;
  std::uint64_t seed = 1;
};

/// The economy (issue 15): `run` attests its training on the ledger with the wallet at
/// `<state_dir>/wallet.key`, after passing the gate (a wallet, the ledger, an active solver stake).
struct ledger_config {
  bool enabled = true;         ///< false: train without the ledger; nothing is attested or earned
  std::filesystem::path path;  ///< the ledger file; empty: <state_dir>/../ledger.sqlite, as the ledger commands
  bool auto_stake = true;      ///< stake the solver minimum from the wallet's balance when it holds no stake
};

/// Everything in the node's config file. Unknown top-level sections (e.g. `federation:`, parsed
/// elsewhere from read_config_text) are tolerated; unknown keys inside these sections are errors.
struct node_config {
  node_paths paths;
  consent_config consent;
  privacy_config privacy;  ///< YAML keys: `exclude` (list), `scrub_pii`
  event_bus_config event_bus;
  capture_config capture;
  feed_config feed;
  align_config align;
  train_section train;
  ledger_config ledger;
};

/// Which consent switch.
enum class consent_switch { agent_data, capture };

/// `$XDG_CONFIG_HOME/atn-node/config.yaml`, or `~/.config/atn-node/config.yaml` when that variable
/// is unset, empty or relative (as the XDG spec says).
std::filesystem::path default_config_path();

/// `$XDG_DATA_HOME/atn-node`, or `~/.local/share/atn-node`.
std::filesystem::path default_state_dir();

/// The defaults: paths resolved from the environment, config_file = default_config_path().
node_config default_node_config();

/// Expands a leading `~` and `$NAME`/`${NAME}` (XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_STATE_HOME and
/// XDG_CACHE_HOME fall back to their XDG defaults; other names must be set) and makes the result
/// absolute relative to `base`. Throws std::runtime_error naming the variable when it cannot.
std::filesystem::path expand_path(const std::string& text, const std::filesystem::path& base);

/// Loads the config at `path`, or at default_config_path() when `path` is nullopt. A missing file is
/// written with the commented defaults when `create_if_missing`; otherwise a missing default file
/// gives the defaults and a missing explicit file throws. Bad YAML or a bad value throws
/// std::runtime_error naming the file, line, key and value. Relative paths in the file are relative
/// to its directory.
node_config load_node_config(const std::optional<std::filesystem::path>& path, bool create_if_missing);

/// Parses config text as if read from `file` (which need not exist); throws as load_node_config.
node_config parse_node_config(const std::string& text, const std::filesystem::path& file);

/// The whole text of a config file (for sections parsed elsewhere). Throws std::runtime_error if it
/// cannot be read.
std::string read_config_text(const std::filesystem::path& path);

/// Turns one consent switch on or off in `file`, changing only that key's line (or adding the key,
/// and the `consent:` section if missing) and keeping every other byte; written atomically. A
/// missing file is first created with the commented defaults. Throws std::runtime_error when the
/// file cannot be edited that way (e.g. flow-style `consent: {...}`) or does not parse afterwards.
void set_consent(const std::filesystem::path& file, consent_switch which, bool on);

/// The config key of a switch: "train_on_agent_data" or "train_on_capture".
const char* consent_key(consent_switch which);

/// One plain sentence per switch, each on its own line, saying what is read from where or that it
/// is not, and the command that changes it. Printed at start and by `atn-node status`.
std::string describe_consent(const node_config& config);

/// describe_consent's sentence for one switch (no newline).
std::string describe_consent(const node_config& config, consent_switch which);

}  // namespace atn
