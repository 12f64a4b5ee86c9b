// The frame intake as a running node starts it and asks it for its counters, so solo_node needs
// neither the intake actor's messages nor its option struct.
#pragma once

#include "data/frame_filter.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace atn {

/// What the capture side of a node reads, as the node's config says it.
struct capture_source_options {
  std::filesystem::path capture_dir;  ///< frames the capture tool writes; empty: none
  std::string stream_endpoint;        ///< ZeroMQ frame stream; empty: none
  std::filesystem::path state_file;   ///< taken capture files, kept across restarts
  std::vector<std::string> exclude_titles, exclude_urls, exclude_sources;
  std::vector<blur_region> blur;  ///< pixelated before anything else sees the frame
  double fps_cap = 2.0;
  int image_size = 32;                         ///< the model's image size
  std::shared_ptr<std::atomic<bool>> consent;  ///< the capture switch; required
};

/// What the frame intake reports, as counters for the node's status file.
struct capture_source_report {
  bool open = false;                               ///< consent on and inputs open
  std::map<std::string, std::uint64_t> directory;  ///< the capture directory's counters
  std::map<std::string, std::uint64_t> stream;     ///< the frame stream's counters
};

/// Spawns the frame intake (actors/frame_intake_actor.hpp) for `options`, sending to `feed`.
/// Throws std::invalid_argument as spawn_frame_intake does.
caf::actor spawn_capture_source(caf::actor_system& system, const capture_source_options& options, caf::actor feed);

/// Asks the intake for its status; nullopt when it does not answer within `timeout`.
std::optional<capture_source_report> query_capture_source(caf::scoped_actor& self, const caf::actor& intake,
                                                          std::chrono::milliseconds timeout);

}  // namespace atn
