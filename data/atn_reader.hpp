// Reads an ATN data directory (conversations and agent executions) into text sessions.
#pragma once

#include "data/atn_records.hpp"
#include "data/privacy_filter.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace atn {

class input_report;

/// How to read an ATN directory.
struct atn_read_options {
  /// Lines longer than this are skipped while streaming (reported as "line_too_long").
  std::size_t max_line_bytes = 8 << 20;
  privacy_config privacy;
};

/// What a read saw, beyond the problems in the input_report.
struct atn_read_stats {
  std::uint64_t files = 0;               // JSONL files read
  std::uint64_t lines = 0;               // non-empty lines seen
  std::uint64_t turns = 0;               // conversation turns rendered
  std::uint64_t turns_dropped = 0;       // system turns and turns without content
  std::uint64_t turns_excluded = 0;      // turns matching an exclusion pattern
  std::uint64_t records = 0;             // execution records rendered
  std::uint64_t records_skipped = 0;     // queued, running or killed
  std::uint64_t records_excluded = 0;    // records matching an exclusion pattern
  std::uint64_t records_superseded = 0;  // an earlier rendered record with the same id, replaced
};

/// Reads `atn_dir`/conversations/**/*.jsonl (one session per file, id = path relative to
/// `atn_dir`) and `atn_dir`/agents/<agent>/execution.jsonl (one session per completed or failed
/// record, id "agents/<agent>/<execution_id>"; a later record with the same id replaces an earlier
/// one). Conversations take the agent of the first execution their turns refer to, else
/// "unknown". Privacy exclusions and scrubbing are applied before anything is returned. Sessions
/// without lines are left out. Bad input is reported to `report` and skipped; reading goes on.
/// Returns the sessions sorted by id.
std::vector<text_session> read_atn_directory(const std::filesystem::path& atn_dir, const atn_read_options& options,
                                             input_report& report, atn_read_stats* stats = nullptr);

}  // namespace atn
