// Identifying a followed file by its first bytes without storing them: a keyed hash of its head.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace atn {

/// The state dir's secret key for head digests (32 bytes): read from `dir/follower.key`, or made
/// once with owner-only permissions (0600). Keyed, so that a digest on disk cannot be checked
/// against guesses of a file's first line (which may hold a name or an SSN). Throws
/// std::system_error on I/O failure, std::runtime_error on a key file of the wrong size.
std::string load_or_create_head_key(const std::filesystem::path& dir);

/// BLAKE2b-256 of `head` keyed with `key` (crypto_generichash), as 64 hex digits.
std::string head_digest(std::string_view key, std::string_view head);

}  // namespace atn
