// The `federation:` section of a node's YAML config: who this node is, its role, where it listens and
// who its peers are — what peers deployed across a LAN write once instead of passing flags.
#pragma once

#include "runtime/config/federation_options.hpp"

#include <filesystem>

namespace atn {

/// Reads the `federation:` section of `file` into `options` (keys absent from the file keep their
/// values; relative paths are taken from the file's directory). Throws std::runtime_error naming the
/// file and the key for a missing section, an unknown key or a bad value.
void load_federation_config(const std::filesystem::path& file, federation_node_options& options);

}  // namespace atn
