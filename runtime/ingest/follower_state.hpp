// The committed read positions of a jsonl_follower, persisted in one small text file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace atn {

class input_report;

/// How far one file (identified by device and inode, not by name) has been committed.
struct followed_file_state {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;  ///< bytes committed: the file resumes here
  std::uint64_t lines = 0;   ///< lines committed (line numbers go on from here)
  /// How many of the file's first bytes (up to 64) the digest covers.
  std::uint64_t head_length = 0;
  /// head_digest (runtime/ingest/head_digest.hpp) of those bytes: tells a reused inode from the same
  /// file. Never the bytes themselves: a conversation's first line may hold PII.
  std::string head_digest;
  /// Path relative to the ATN directory when the file was first seen (its session name).
  std::string origin;

  bool operator==(const followed_file_state& o) const {
    return device == o.device && inode == o.inode && offset == o.offset && lines == o.lines &&
           head_length == o.head_length && head_digest == o.head_digest && origin == o.origin;
  }
};

/// Reads a state file written by save_follower_state. A missing file gives no entries; a corrupt
/// one is reported as "corrupt_state" (its good entries are kept). A version-1 file, which held
/// each head as hex bytes, is migrated: its heads become digests under the key beside the file
/// (load_or_create_head_key), and the next save writes no bytes.
std::vector<followed_file_state> load_follower_state(const std::filesystem::path& file, input_report& report);

/// Replaces the state file atomically (write_file_atomic). Throws std::system_error on I/O
/// failure. Entries whose origin holds a line break cannot be stored and are left out.
void save_follower_state(const std::filesystem::path& file, const std::vector<followed_file_state>& files);

}  // namespace atn
