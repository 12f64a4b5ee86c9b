#include "runtime/ring_log.hpp"

#include "data/input_report.hpp"
#include "runtime/crc32c.hpp"
#include "runtime/file_util.hpp"

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
namespace {

// Bytes D1 5E A7 01 on disk: D1 5E never occurs in UTF-8 text, so payloads rarely fake a header
// while resynchronising; the last byte is the format version.
constexpr std::uint32_t record_magic = 0x01A75ED1u;
constexpr int record_magic_first_byte = 0xD1;
// One index entry per this many bytes of a segment bounds the scan of a seek.
constexpr std::uint64_t index_interval = 64 * 1024;
constexpr std::size_t scan_read_bytes = std::size_t{1} << 20;
constexpr std::size_t reader_read_bytes = std::size_t{256} << 10;
constexpr std::string_view cursor_prefix = "atn-ring-consumer 1 ";
constexpr std::int64_t no_timestamp = std::numeric_limits<std::int64_t>::min();

void put_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

void put_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::system_error io_error(const char* op, const std::filesystem::path& what, int err = errno) {
  return std::system_error(err, std::generic_category(), std::string(op) + " " + what.string());
}

void pwrite_all(int fd, const char* data, std::size_t size, std::uint64_t offset,
                const std::filesystem::path& what) {
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

std::uint64_t index_lookup(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& index,
                           std::uint64_t sequence) {
  auto it = std::upper_bound(index.begin(), index.end(), sequence,
                             [](std::uint64_t s, const auto& entry) { return s < entry.first; });
  return it == index.begin() ? 0 : std::prev(it)->second;
}

std::string hex32(std::uint32_t v) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", v);
  return text;
}

}  // namespace

// One segment file. The fd stays open while anyone (the log or a reader) holds the segment.
struct ring_log::segment {
  segment(std::uint64_t first, std::filesystem::path file, int descriptor)
      : first_sequence(first), path(std::move(file)), fd(descriptor), last_sequence(first - 1) {}
  ~segment() { ::close(fd); }
  segment(const segment&) = delete;
  segment& operator=(const segment&) = delete;

  const std::uint64_t first_sequence;
  const std::filesystem::path path;
  const int fd;
  // Set once the segment is removed; readers check it without the lock.
  std::atomic<bool> dropped{false};
  // The rest is guarded by ring_log::mutex_.
  std::uint64_t size = 0;           // bytes readers may read; always ends on a record boundary
  std::uint64_t last_sequence;      // first_sequence - 1 while empty
  bool sealed = false;              // no more appends; a later segment exists
  bool summarized = false;          // index and max_timestamp cover [0, size)
  std::int64_t max_timestamp = no_timestamp;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> index;  // (sequence, offset), ascending
  std::mutex scan_mutex;  // one summary scan at a time
};

// Reads the records of one segment in order through a large buffer, checking each header and CRC.
class ring_log::scanner {
 public:
  struct view {
    std::uint64_t sequence;
    std::int64_t timestamp_ms;
    const char* payload;  // valid until the next call
    std::uint32_t size;
    std::uint64_t offset;
  };
  enum class status { record, end, bad };

  scanner(int fd, std::size_t read_bytes) : fd_(fd), read_bytes_(read_bytes) {}

  void seek(std::uint64_t offset) { offset_ = offset; }
  void set_limit(std::uint64_t limit) { limit_ = limit; }
  std::uint64_t offset() const { return offset_; }
  std::uint64_t limit() const { return limit_; }

  /// The record at offset() (then advances past it), end at the limit, or bad: a damaged header,
  /// length or CRC, or a record running past the limit.
  status next(view& out) {
    if (offset_ >= limit_) return status::end;
    if (!parse(offset_, out)) return status::bad;
    offset_ += header_bytes + out.size;
    return status::record;
  }

  /// After bad: moves to the next offset where a valid record starts, or to the limit. Returns the
  /// bytes stepped over.
  std::uint64_t resync() {
    const std::uint64_t start = offset_;
    view v{};
    for (std::uint64_t p = start + 1; p + header_bytes <= limit_;) {
      if (!fill(p, header_bytes)) break;
      const char* base = at(p);
      const std::size_t window = static_cast<std::size_t>(buffer_offset_ + buffer_size_ - p) - header_bytes + 1;
      const void* hit = std::memchr(base, record_magic_first_byte, window);
      if (hit == nullptr) {
        p += window;
        continue;
      }
      p += static_cast<std::uint64_t>(static_cast<const char*>(hit) - base);
      if (parse(p, v)) {
        offset_ = p;
        return p - start;
      }
      ++p;
    }
    offset_ = limit_;
    return limit_ - start;
  }

 private:
  bool parse(std::uint64_t p, view& out) {
    if (!fill(p, header_bytes)) return false;
    const char* h = at(p);
    if (get_u32(h) != record_magic) return false;
    const std::uint32_t size = get_u32(h + 4);
    if (size > max_payload_bytes || !fill(p, header_bytes + size)) return false;
    h = at(p);
    // The CRC covers sequence, timestamp and payload, which lie contiguously from byte 12.
    if (crc32c(h + 12, 16 + std::size_t{size}) != get_u32(h + 8)) return false;
    out = view{get_u64(h + 12), static_cast<std::int64_t>(get_u64(h + 20)), h + header_bytes, size, p};
    return true;
  }

  // Makes [p, p + n) available in the buffer; false when that passes the limit or the file's end
  // (an unreadable range reads as damaged rather than failing the reader).
  bool fill(std::uint64_t p, std::size_t n) {
    if (p >= buffer_offset_ && p + n <= buffer_offset_ + buffer_size_) return true;
    if (p + n > limit_) return false;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(std::max(n, read_bytes_), limit_ - p));
    if (buffer_.size() < want) buffer_.resize(want);
    std::size_t got = 0;
    while (got < want) {
      const ssize_t r = ::pread(fd_, buffer_.data() + got, want - got, static_cast<off_t>(p + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    buffer_offset_ = p;
    buffer_size_ = got;
    return got >= n;
  }

  const char* at(std::uint64_t p) const { return buffer_.data() + (p - buffer_offset_); }

  int fd_;
  std::size_t read_bytes_;
  std::uint64_t offset_ = 0;
  std::uint64_t limit_ = 0;
  std::vector<char> buffer_;
  std::uint64_t buffer_offset_ = 0;
  std::size_t buffer_size_ = 0;
};

// --- opening and recovery ----------------------------------------------------------------------

ring_log::ring_log(std::filesystem::path dir, ring_log_options options)
    : dir_(std::move(dir)), options_(options) {
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

// --- reading -----------------------------------------------------------------------------------

void ring_log::summarize(const std::shared_ptr<segment>& seg) const {
  std::lock_guard<std::mutex> scan_lock(seg->scan_mutex);
  std::uint64_t limit = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (seg->summarized) return;
    limit = seg->size;
  }
  // Only sealed segments lack a summary, and they no longer change, so scan without the lock.
  scanner scan(seg->fd, scan_read_bytes);
  scan.set_limit(limit);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> index;
  std::int64_t max_timestamp = no_timestamp;
  std::uint64_t next_index = 0;
  scanner::view v{};
  for (;;) {
    const auto st = scan.next(v);
    if (st == scanner::status::end) break;
    if (st == scanner::status::bad) {
      scan.resync();  // readers report it when they get there
      continue;
    }
    if (v.offset >= next_index && (index.empty() || v.sequence > index.back().first)) {
      index.emplace_back(v.sequence, v.offset);
      next_index = (v.offset / index_interval + 1) * index_interval;
    }
    max_timestamp = std::max(max_timestamp, v.timestamp_ms);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  seg->index = std::move(index);
  seg->max_timestamp = max_timestamp;
  seg->summarized = true;
}

std::shared_ptr<ring_log::segment> ring_log::locate(std::uint64_t sequence, std::uint64_t& offset) const {
  std::shared_ptr<segment> seg;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::upper_bound(segments_.begin(), segments_.end(), sequence,
                               [](std::uint64_t s, const auto& sg) { return s < sg->first_sequence; });
    seg = it == segments_.begin() ? segments_.front() : *std::prev(it);
    if (seg->summarized) {
      offset = index_lookup(seg->index, sequence);
      return seg;
    }
  }
  summarize(seg);
  std::lock_guard<std::mutex> lock(mutex_);
  offset = index_lookup(seg->index, sequence);
  return seg;
}

std::shared_ptr<ring_log::segment> ring_log::next_segment(const segment& seg) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& s : segments_)
    if (s->first_sequence > seg.first_sequence) return s;
  return nullptr;
}

void ring_log::report_corrupt(const segment& seg, std::uint64_t offset, std::uint64_t skipped_bytes) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counters_.corrupt_records_skipped;
  }
  report_->problem("ring_corrupt_record", seg.path.string(), 0,
                   "damaged record at offset " + std::to_string(offset) + "; skipped " +
                       std::to_string(skipped_bytes) + " bytes");
}

std::uint64_t ring_log::first_sequence() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return segments_.front()->first_sequence;
}

ring_log::reader ring_log::read_from(std::uint64_t sequence) const {
  return reader(*this, sequence == 0 ? first_sequence() : sequence);
}

std::vector<ring_record> ring_log::read_since(std::uint64_t sequence, std::size_t max) const {
  std::vector<ring_record> out;
  if (max == 0) return out;
  reader r = read_from(sequence);
  ring_record record;
  while (out.size() < max && r.next(record)) out.push_back(std::move(record));
  return out;
}

ring_log::reader::reader(const ring_log& log, std::uint64_t sequence) : log_(&log), next_sequence_(sequence) {}
ring_log::reader::reader(reader&&) noexcept = default;
ring_log::reader& ring_log::reader::operator=(reader&&) noexcept = default;
ring_log::reader::~reader() = default;

bool ring_log::reader::refresh() {
  for (;;) {
    if (!segment_ || segment_->dropped.load(std::memory_order_acquire)) {
      // First call, or retention removed our segment: continue from the oldest retained record.
      std::uint64_t offset = 0;
      segment_ = log_->locate(next_sequence_, offset);
      scanner_ = std::make_unique<scanner>(segment_->fd, reader_read_bytes);
      scanner_->seek(offset);
    }
    {
      std::lock_guard<std::mutex> lock(log_->mutex_);
      if (segment_->dropped.load(std::memory_order_acquire)) continue;
      scanner_->set_limit(segment_->size);
      sealed_ = segment_->sealed;
    }
    if (scanner_->offset() < scanner_->limit()) return true;
    if (!sealed_) return false;
    auto next = log_->next_segment(*segment_);
    if (!next) return false;
    segment_ = std::move(next);
    scanner_ = std::make_unique<scanner>(segment_->fd, reader_read_bytes);
  }
}

bool ring_log::reader::next(ring_record& out) {
  for (;;) {
    if (!segment_ || segment_->dropped.load(std::memory_order_acquire) || scanner_->offset() >= scanner_->limit()) {
      if (!refresh()) return false;
    }
    scanner::view v{};
    switch (scanner_->next(v)) {
      case scanner::status::record:
        if (v.sequence < next_sequence_) continue;  // seeking forward from an index entry
        skipped_ += v.sequence - next_sequence_;
        out.sequence = v.sequence;
        out.timestamp_ms = v.timestamp_ms;
        out.payload.assign(v.payload, v.size);
        next_sequence_ = v.sequence + 1;
        return true;
      case scanner::status::bad: {
        const std::uint64_t offset = scanner_->offset();
        const std::uint64_t skipped_bytes = scanner_->resync();
        log_->report_corrupt(*segment_, offset, skipped_bytes);
        continue;
      }
      case scanner::status::end:
        continue;
    }
  }
}

// --- consumer positions and metrics ------------------------------------------------------------

std::filesystem::path ring_log::consumer_path(std::string_view consumer) const {
  const bool valid = !consumer.empty() && consumer.size() <= 64 &&
                     std::all_of(consumer.begin(), consumer.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                              c == '-' || c == '_';
                     });
  if (!valid) throw std::invalid_argument("bad ring consumer name '" + std::string(consumer) + "'");
  return dir_ / ("consumer-" + std::string(consumer) + ".pos");
}

void ring_log::save_consumer_position(std::string_view consumer, std::uint64_t next_sequence) const {
  std::string text = std::string(cursor_prefix) + std::to_string(next_sequence);
  text += " " + hex32(crc32c(text.data(), text.size())) + "\n";
  write_file_atomic(consumer_path(consumer), text);
}

std::optional<std::uint64_t> ring_log::load_consumer_position(std::string_view consumer) const {
  const std::filesystem::path path = consumer_path(consumer);
  const std::optional<std::string> text = read_file(path);
  if (!text) return std::nullopt;
  // "<prefix><sequence> <crc32c as 8 hex digits>\n"
  const std::string_view t = *text;
  const auto space = t.rfind(' ');
  std::uint64_t sequence = 0;
  std::uint32_t crc = 0;
  bool ok = t.size() > cursor_prefix.size() + 10 && t.substr(0, cursor_prefix.size()) == cursor_prefix &&
            t.back() == '\n' && space != std::string_view::npos && space + 10 == t.size();
  if (ok) {
    const char* begin = t.data() + cursor_prefix.size();
    const char* end = t.data() + space;
    const auto r1 = std::from_chars(begin, end, sequence);
    const auto r2 = std::from_chars(t.data() + space + 1, t.data() + t.size() - 1, crc, 16);
    ok = r1.ec == std::errc{} && r1.ptr == end && r2.ec == std::errc{} && r2.ptr == t.data() + t.size() - 1 &&
         crc32c(t.data(), space) == crc;
  }
  if (!ok) {
    report_->problem("ring_bad_cursor", path.string(), 1, "damaged consumer position file; ignoring it");
    return std::nullopt;
  }
  return sequence;
}

ring_log_metrics ring_log::metrics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  ring_log_metrics m = counters_;
  const std::uint64_t first = segments_.front()->first_sequence;
  const std::uint64_t written = written_sequence_.load(std::memory_order_acquire);
  m.records = written + 1 >= first ? written + 1 - first : 0;
  m.bytes = total_bytes_;
  m.segments = segments_.size();
  m.buffered_records = buffered_records_.load(std::memory_order_relaxed);
  return m;
}

}  // namespace atn
