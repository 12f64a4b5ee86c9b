#include "runtime/storage/ring_log.hpp"
#include "runtime/storage/ring_log_segment.hpp"

#include "data/input_report.hpp"
#include "runtime/util/file_util.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

namespace atn {

using namespace ring_log_detail;

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
  report_->problem(
      "ring_corrupt_record", seg.path.string(), 0,
      "damaged record at offset " + std::to_string(offset) + "; skipped " + std::to_string(skipped_bytes) + " bytes");
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
  const bool valid =
      !consumer.empty() && consumer.size() <= 64 && std::all_of(consumer.begin(), consumer.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
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
