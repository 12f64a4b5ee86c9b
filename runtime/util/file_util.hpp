// Durable file helpers: atomic replace (write temp, fsync, rename, fsync directory) and fsync wrappers.
// Every write that matters (ring cursors, checkpoints, the round journal, keys) goes through these.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace atn {

/// Replaces `path` with `contents` so that a crash at any instant leaves either the old file or the
/// new one, never a mix: writes a temp file beside it (".<name>.tmp-<pid>-<n>"), fsyncs it, renames
/// it over `path`, then fsyncs the directory. Safe to call from several threads. Throws
/// std::system_error on I/O failure, after removing the temp file.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

/// The whole contents of `path`, or nullopt when it does not exist. Throws std::system_error on
/// other errors.
std::optional<std::string> read_file(const std::filesystem::path& path);

/// fsyncs the directory `dir`, so that files created, renamed or removed in it survive a crash.
void fsync_directory(const std::filesystem::path& dir);

/// fdatasyncs the open file `fd`; `what` names it in the error. Throws std::system_error.
void fsync_fd(int fd, const std::filesystem::path& what);

/// Writes all `size` bytes to `fd`, retrying short writes and EINTR. Throws std::system_error.
void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& what);

/// Whether `file_name` (no directory) is a temp file made by write_file_atomic.
bool is_atomic_temp_name(std::string_view file_name);

/// Removes the temp files that interrupted write_file_atomic calls left in `dir`, skipping those of
/// processes still running (they may be mid-write). Returns how many were removed; a missing `dir`
/// counts as none.
std::size_t remove_stale_temp_files(const std::filesystem::path& dir);

}  // namespace atn
