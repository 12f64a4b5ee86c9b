// A node's CURVE identity: a key pair kept under its state directory.
#pragma once

#include "runtime/transport/bridge_config.hpp"

#include <filesystem>
#include <string>

namespace atn {

/// A fresh CURVE key pair. Throws std::runtime_error when libzmq has no CURVE support.
curve_key_pair generate_curve_keys();

/// The key pair in `<state_dir>/keys/`: `node.key` holds the secret key (Z85, mode 0600),
/// `node.pub` the public key to give to peers. Creates both, atomically, when `node.key` does not
/// exist. Throws std::runtime_error naming the file when a key file is unreadable or not a key.
curve_key_pair load_or_create_curve_keys(const std::filesystem::path& state_dir);

/// Whether `key` is a Z85 CURVE key (40 characters that decode to 32 bytes).
bool is_curve_key(const std::string& key);

}  // namespace atn
