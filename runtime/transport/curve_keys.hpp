// A node's CURVE identity: a key pair kept under its state directory.
#pragma once

#include "runtime/transport/bridge_config.hpp"

#include <filesystem>
#include <string>

namespace atn {

/// A fresh CURVE key pair. Throws std::runtime_error when libzmq has no CURVE support.
curve_key_pair generate_curve_keys();

/// A node's key pair as found or made under its state directory.
struct curve_identity {
  curve_key_pair keys;
  std::filesystem::path key_file;     ///< `<state_dir>/keys/node.key`: the secret key
  std::filesystem::path public_file;  ///< `<state_dir>/keys/node.pub`: the public key to give to peers
  bool created = false;               ///< made by this call (else it existed)
};

/// The key pair in `<state_dir>/keys/`: `node.key` holds the secret key (Z85, mode 0600, in a 0700
/// directory), `node.pub` the public key. When `node.key` does not exist it is made whole and
/// exclusively (written aside, then linked in place), so it is never overwritten, not even by a
/// concurrent call (which then loads the winner's). Throws std::runtime_error naming the file when a
/// key file is unreadable, readable by group or others, or not a key.
curve_identity load_or_create_curve_identity(const std::filesystem::path& state_dir);

/// load_or_create_curve_identity's key pair.
curve_key_pair load_or_create_curve_keys(const std::filesystem::path& state_dir);

/// Whether `key` is a Z85 CURVE key (40 characters that decode to 32 bytes).
bool is_curve_key(const std::string& key);

}  // namespace atn
