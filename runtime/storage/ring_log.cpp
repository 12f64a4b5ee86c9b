#include "runtime/storage/ring_log.hpp"
#include "runtime/storage/ring_log_segment.hpp"

#include "data/input_report.hpp"
#include "runtime/util/crc32c.hpp"
#include "runtime/util/file_util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace atn {

using namespace ring_log_detail;

namespace {

void put_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

void put_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::system_error io_error(const char* op, const std::filesystem::path& what, int err = errno) {
  return std::system_error(err, std::generic_category(), std::string(op) + " " + what.string());
}

void pwrite_all(int fd, const char* data, std::size_t size, std::uint64_t offset, const std::filesystem::path& what) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("write", what);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

std::uint64_t file_size(int fd, const std::filesystem::path& what) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw io_error("stat", what);
  return static_cast<std::uint64_t>(st.st_size);
}

std::string segment_name(std::uint64_t first_sequence) {
  char name[40];
  std::snprintf(name, sizeof name, "seg-%012llu.log", static_cast<unsigned long long>(first_sequence));
  return name;
}

// The first sequence number in a segment file name, or nullopt for any other file.
std::optional<std::uint64_t> parse_segment_name(std::string_view name) {
  constexpr std::string_view prefix = "seg-", suffix = ".log";
  if (name.size() <= prefix.size() + suffix.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - suffix.size()) != suffix)
    return std::nullopt;
  const char* begin = name.data() + prefix.size();
  const char* end = name.data() + name.size() - suffix.size();
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || ptr != end || value == 0) return std::nullopt;
  return value;
}

}  // namespace

// --- opening and recovery ----------------------------------------------------------------------

ring_log::ring_log(std::filesystem::path dir, ring_log_options options) : dir_(std::move(dir)), options_(options) {
  if (options_.report == nullptr) {
    own_report_ = std::make_unique<input_report>();
    report_ = own_report_.get();
  } else {
    report_ = options_.report;
  }
  if (options_.segment_bytes == 0) options_.segment_bytes = ring_log_options{}.segment_bytes;
  if (options_.max_bytes > 0)
    options_.segment_bytes = std::max<std::uint64_t>(1, std::min(options_.segment_bytes, options_.max_bytes / 2));
  buffer_capacity_ = std::max<std::size_t>(options_.buffer_bytes, 64 * 1024);
  buffer_ = std::make_unique<char[]>(buffer_capacity_);

  std::filesystem::create_directories(dir_);
  const std::filesystem::path lock_path = dir_ / "LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw io_error("open", lock_path);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    if (err == EWOULDBLOCK) throw std::runtime_error("ring log " + dir_.string() + " is open in another process");
    throw io_error("lock", lock_path, err);
  }
  try {
    remove_stale_temp_files(dir_);
    recover();
    last_sync_ms_ = wall_clock_ms();
    enforce_retention(wall_clock_ms());
  } catch (...) {
    ::close(lock_fd_);
    throw;
  }
}

ring_log::~ring_log() {
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::error("ring log {}: closing failed: {}", dir_.string(), e.what());
  }
  ::close(lock_fd_);
}

std::shared_ptr<ring_log::segment> ring_log::create_segment(std::uint64_t first_sequence) {
  const std::filesystem::path path = dir_ / segment_name(first_sequence);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error("create", path);
  auto seg = std::make_shared<segment>(first_sequence, path, fd);
  seg->summarized = true;
  if (options_.fsync != ring_fsync::never) fsync_directory(dir_);
  return seg;
}

void ring_log::recover() {
  std::vector<std::pair<std::uint64_t, std::filesystem::path>> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (!entry.is_regular_file()) continue;
    if (auto first = parse_segment_name(entry.path().filename().string())) found.emplace_back(*first, entry.path());
  }
  std::sort(found.begin(), found.end());

  std::shared_ptr<segment> last;
  while (!found.empty()) {
    const auto [first, path] = found.back();
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) throw io_error("open", path);
    auto seg = std::make_shared<segment>(first, path, fd);
    const std::uint64_t size = file_size(fd, path);

    // Keep the longest prefix of whole, intact, consecutively numbered records.
    scanner scan(fd, scan_read_bytes);
    scan.set_limit(size);
    std::uint64_t expected = first, good_end = 0, next_index = 0;
    const char* reason = "";
    scanner::view v{};
    for (;;) {
      const auto st = scan.next(v);
      if (st == scanner::status::end) break;
      if (st == scanner::status::bad) {
        reason = "damaged or incomplete record";
        break;
      }
      if (v.sequence != expected) {
        reason = "sequence out of order";
        break;
      }
      if (v.offset >= next_index) {
        seg->index.emplace_back(v.sequence, v.offset);
        next_index = (v.offset / index_interval + 1) * index_interval;
      }
      seg->max_timestamp = std::max(seg->max_timestamp, v.timestamp_ms);
      ++expected;
      good_end = scan.offset();
    }
    if (good_end < size) {
      const std::uint64_t cut = size - good_end;
      if (::ftruncate(fd, static_cast<off_t>(good_end)) != 0) throw io_error("truncate", path);
      fsync_fd(fd, path);
      counters_.bytes_cut_on_recovery += cut;
      report_->problem("ring_torn_tail", path.string(), 0,
                       "cut " + std::to_string(cut) + " bytes at offset " + std::to_string(good_end) +
                           " after sequence " + std::to_string(expected - 1) + " (" + reason + ")");
    } else if (options_.fsync != ring_fsync::never) {
      // What an earlier process wrote may still sit in the page cache; make it durable now.
      fsync_fd(fd, path);
    }
    if (expected == first && found.size() > 1) {
      // An empty newest segment (a crash right after a roll): continue the one before it.
      seg.reset();
      if (::unlink(path.c_str()) != 0) throw io_error("remove", path);
      fsync_directory(dir_);
      found.pop_back();
      continue;
    }
    seg->size = good_end;
    seg->last_sequence = expected - 1;
    seg->summarized = true;
    next_index_offset_ = next_index;
    next_sequence_ = expected;
    found.pop_back();
    last = std::move(seg);
    break;
  }

  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto& [first, path] = found[i];
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw io_error("open", path);
    auto seg = std::make_shared<segment>(first, path, fd);
    seg->size = file_size(fd, path);
    seg->last_sequence = (i + 1 < found.size() ? found[i + 1].first : last->first_sequence) - 1;
    seg->sealed = true;
    total_bytes_ += seg->size;
    segments_.push_back(std::move(seg));
  }
  if (!last) {
    last = create_segment(1);
    next_sequence_ = 1;
    next_index_offset_ = 0;
  }
  total_bytes_ += last->size;
  segments_.push_back(last);
  active_ = std::move(last);
  written_sequence_.store(next_sequence_ - 1, std::memory_order_release);
  durable_sequence_.store(next_sequence_ - 1, std::memory_order_release);
}

// --- writing -----------------------------------------------------------------------------------

std::uint64_t ring_log::append(std::string_view payload) { return append(payload, wall_clock_ms()); }

std::uint64_t ring_log::append(std::string_view payload, std::int64_t timestamp_ms) {
  if (closed_) throw std::logic_error("ring log " + dir_.string() + " is closed");
  if (payload.size() > max_payload_bytes)
    throw std::length_error("ring log record of " + std::to_string(payload.size()) + " bytes is over the limit");
  const std::size_t record = header_bytes + payload.size();
  // Only the writer thread changes active_->size, so it may read it without the lock.
  const std::uint64_t used = active_->size + buffer_used_;
  if (used > 0 && used + record > options_.segment_bytes) {
    roll();
  } else if (buffer_used_ > 0 && buffer_used_ + record > buffer_capacity_) {
    write_buffer();
  }
  if (record > buffer_capacity_) {  // buffer_used_ is 0 here
    buffer_capacity_ = record;
    buffer_ = std::make_unique<char[]>(buffer_capacity_);
  }

  const std::uint64_t sequence = next_sequence_;
  const auto size = static_cast<std::uint32_t>(payload.size());
  char* h = buffer_.get() + buffer_used_;
  put_u32(h, record_magic);
  put_u32(h + 4, size);
  put_u64(h + 12, sequence);
  put_u64(h + 20, static_cast<std::uint64_t>(timestamp_ms));
  if (size > 0) std::memcpy(h + header_bytes, payload.data(), size);
  put_u32(h + 8, crc32c(h + 12, 16 + std::size_t{size}));

  const std::uint64_t offset = active_->size + buffer_used_;
  if (offset >= next_index_offset_) {
    buffered_index_.emplace_back(sequence, offset);
    next_index_offset_ = (offset / index_interval + 1) * index_interval;
  }
  const std::uint64_t buffered = buffered_records_.load(std::memory_order_relaxed);
  buffered_max_timestamp_ = buffered == 0 ? timestamp_ms : std::max(buffered_max_timestamp_, timestamp_ms);
  buffer_used_ += record;
  buffered_records_.store(buffered + 1, std::memory_order_relaxed);
  ++next_sequence_;
  return sequence;
}

void ring_log::write_buffer() {
  if (buffer_used_ == 0) return;
  bool over_budget = false;
  // pwrite at the visible size: after a failed (say, disk full) attempt the retry overwrites any
  // partial bytes, and the buffer is kept until a write succeeds.
  pwrite_all(active_->fd, buffer_.get(), buffer_used_, active_->size, active_->path);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    active_->size += buffer_used_;
    active_->last_sequence = next_sequence_ - 1;
    active_->max_timestamp = std::max(active_->max_timestamp, buffered_max_timestamp_);
    active_->index.insert(active_->index.end(), buffered_index_.begin(), buffered_index_.end());
    total_bytes_ += buffer_used_;
    over_budget = options_.max_bytes > 0 && total_bytes_ > options_.max_bytes && segments_.size() > 1;
  }
  written_sequence_.store(next_sequence_ - 1, std::memory_order_release);
  unsynced_records_ += buffered_records_.load(std::memory_order_relaxed);
  buffered_records_.store(0, std::memory_order_relaxed);
  buffer_used_ = 0;
  buffered_index_.clear();
  // Keep within the budget at every write, not only at flush(): appends may write and roll.
  if (over_budget) enforce_budget();
}

std::size_t ring_log::enforce_budget() {
  std::size_t dropped = 0;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (segments_.size() <= 1 || options_.max_bytes == 0 || total_bytes_ <= options_.max_bytes) break;
    }
    drop_front(false);
    ++dropped;
  }
  return dropped;
}

void ring_log::sync_active() {
  for (const auto& seg : unsynced_sealed_) fsync_fd(seg->fd, seg->path);
  const std::size_t sealed = unsynced_sealed_.size();
  unsynced_sealed_.clear();
  fsync_fd(active_->fd, active_->path);
  durable_sequence_.store(written_sequence_.load(std::memory_order_acquire), std::memory_order_release);
  unsynced_records_ = 0;
  last_sync_ms_ = wall_clock_ms();
  std::lock_guard<std::mutex> lock(mutex_);
  counters_.fsyncs += 1 + sealed;
}

void ring_log::maybe_sync() {
  if (unsynced_records_ == 0) return;
  switch (options_.fsync) {
    case ring_fsync::every_flush:
      sync_active();
      break;
    case ring_fsync::periodic:
      if ((options_.fsync_every_records > 0 && unsynced_records_ >= options_.fsync_every_records) ||
          (options_.fsync_every_ms > 0 && wall_clock_ms() - last_sync_ms_ >= options_.fsync_every_ms))
        sync_active();
      break;
    case ring_fsync::never:
      break;
  }
}

void ring_log::roll() {
  write_buffer();
  if (unsynced_records_ > 0) {
    // Seal durably, so a crash never leaves a newer segment after an older one's lost tail.
    if (options_.fsync == ring_fsync::never)
      unsynced_sealed_.push_back(active_);
    else
      sync_active();
  }
  auto seg = create_segment(next_sequence_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    active_->sealed = true;
    segments_.push_back(seg);
  }
  active_ = std::move(seg);
  next_index_offset_ = 0;
}

void ring_log::flush() {
  if (closed_) return;
  write_buffer();
  maybe_sync();
  if (options_.max_bytes > 0 || options_.max_age_ms > 0) enforce_retention(wall_clock_ms());
}

void ring_log::sync() {
  if (closed_) return;
  write_buffer();
  if (unsynced_records_ > 0 || !unsynced_sealed_.empty()) sync_active();
  if (options_.max_bytes > 0 || options_.max_age_ms > 0) enforce_retention(wall_clock_ms());
}

void ring_log::close() {
  if (closed_) return;
  write_buffer();
  if (options_.fsync != ring_fsync::never && (unsynced_records_ > 0 || !unsynced_sealed_.empty())) sync_active();
  closed_ = true;
}

// --- retention ---------------------------------------------------------------------------------

std::size_t ring_log::enforce_retention(std::int64_t now_ms) {
  std::size_t dropped = 0;
  const bool by_age = options_.max_age_ms > 0;
  const std::int64_t cutoff = now_ms - options_.max_age_ms;
  if (by_age && buffer_used_ == 0 && !closed_) {
    bool stale = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stale = active_->size > 0 && active_->max_timestamp < cutoff;
    }
    // Even the segment being written is too old: seal it so the loop below drops it.
    if (stale) roll();
  }
  dropped += enforce_budget();
  while (by_age) {
    std::shared_ptr<segment> oldest;
    bool summarized = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (segments_.size() <= 1) break;
      oldest = segments_.front();
      summarized = oldest->summarized;
    }
    if (!summarized) summarize(oldest);
    bool expired = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      expired = oldest->max_timestamp < cutoff;
    }
    if (!expired) break;
    drop_front(true);
    ++dropped;
  }
  return dropped;
}

void ring_log::drop_front(bool by_age) {
  std::shared_ptr<segment> seg;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    seg = segments_.front();
    segments_.pop_front();
    seg->dropped.store(true, std::memory_order_release);
    total_bytes_ -= seg->size;
    const std::uint64_t records = seg->last_sequence + 1 - seg->first_sequence;
    (by_age ? counters_.records_aged_out : counters_.records_evicted) += records;
    ++counters_.segments_dropped;
  }
  // Readers holding the segment keep their open fd; a failed unlink only leaves a file that the
  // next open drops again.
  if (::unlink(seg->path.c_str()) != 0 && errno != ENOENT)
    spdlog::warn("ring log: cannot remove {}: {}", seg->path.string(), std::strerror(errno));
}

}  // namespace atn
