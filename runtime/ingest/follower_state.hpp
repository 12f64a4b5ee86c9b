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
  /// The first bytes of the file (up to 64), hex: tells a reused inode from the same file.
  std::string head_hex;
  /// Path relative to the ATN directory when the file was first seen (its session name).
  std::string origin;

  bool operator==(const followed_file_state& o) const {
    return device == o.device && inode == o.inode && offset == o.offset && lines == o.lines &&
           head_hex == o.head_hex && origin == o.origin;
  }
};

/// Reads a state file written by save_follower_state. A missing file gives no entries; a corrupt
/// one is reported as "corrupt_state" (its good entries are kept).
std::vector<followed_file_state> load_follower_state(const std::filesystem::path& file,
                                                     input_report& report);

/// Replaces the state file atomically (write_file_atomic). Throws std::system_error on I/O
/// failure. Entries whose origin holds a line break cannot be stored and are left out.
void save_follower_state(const std::filesystem::path& file, const std::vector<followed_file_state>& files);

}  // namespace atn
