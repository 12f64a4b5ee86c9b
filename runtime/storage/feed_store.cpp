#include "runtime/storage/feed_store.hpp"

#include "data/input_report.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

namespace atn {
namespace {

// The consumer position marking what the last training cycle has seen.
constexpr std::string_view cycle_consumer = "cycle";
constexpr std::size_t all = std::numeric_limits<std::size_t>::max();

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<interaction> decode(const interaction*, std::string_view payload, input_report& report,
                                  std::string_view origin, std::uint64_t sequence) {
  return decode_interaction(payload, report, origin, sequence);
}

std::optional<frame_record> decode(const frame_record*, std::string_view payload, input_report& report,
                                   std::string_view origin, std::uint64_t sequence) {
  return decode_frame(payload, report, origin, sequence);
}

}  // namespace

feed_store::feed_store(feed_store_options options) : options_(std::move(options)) {
  if (options_.report == nullptr) {
    own_report_ = std::make_unique<input_report>();
    report_ = own_report_.get();
  } else {
    report_ = options_.report;
  }
  text_channel_.kind = feed_record_kind::interaction;
  frame_channel_.kind = feed_record_kind::frame;
  if (!(options_.text_share > 0 && options_.text_share < 1))
    throw std::invalid_argument("feed: text_share must lie strictly between 0 and 1");
  std::uint64_t text_bytes = 0, frame_bytes = 0;
  if (options_.max_bytes > 0) {
    // At least 1 each: ring_log reads 0 as unbounded.
    text_bytes = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(options_.max_bytes * options_.text_share));
    frame_bytes = std::max<std::uint64_t>(1, options_.max_bytes - std::min(text_bytes, options_.max_bytes));
  }
  open(text_channel_, options_.state_dir / "feed" / "text", text_bytes);
  open(frame_channel_, options_.state_dir / "feed" / "frames", frame_bytes);
  text_ = text_channel_.log.get();
  frames_ = frame_channel_.log.get();
}

feed_store::~feed_store() = default;

void feed_store::open(channel& ch, const std::filesystem::path& dir, std::uint64_t max_bytes) {
  ring_log_options ring;
  ring.max_bytes = max_bytes;
  ring.max_age_ms = options_.max_age_ms;
  ring.fsync = options_.fsync;
  if (options_.segment_bytes > 0) ring.segment_bytes = options_.segment_bytes;
  ring.report = report_;
  ch.log = std::make_unique<ring_log>(dir, ring);

  // Rebuild the keys from what survived; a payload that does not decode is counted once, here.
  const std::string origin = dir.string();
  ring_log::reader reader = ch.log->read_from(0);
  ring_record record;
  while (reader.next(record)) {
    if (auto key = decode_feed_key(record.payload, ch.kind, *report_, origin, record.sequence)) {
      ch.keys.add(std::move(*key), record.sequence, record.timestamp_ms);
    } else {
      ch.bad.insert(record.sequence);
      ++bad_records_;
    }
  }
  ch.cycle_position = ch.log->load_consumer_position(cycle_consumer).value_or(1);
}

feed_store_result feed_store::store(const interaction_batch& batch) { return store(batch, wall_clock_ms()); }

feed_store_result feed_store::store(const interaction_batch& batch, std::int64_t now_ms) {
  return store_batch(text_channel_, batch.items, now_ms);
}

feed_store_result feed_store::store(const frame_batch& batch) { return store(batch, wall_clock_ms()); }

feed_store_result feed_store::store(const frame_batch& batch, std::int64_t now_ms) {
  return store_batch(frame_channel_, batch.items, now_ms);
}

template <class Record>
feed_store_result feed_store::store_batch(channel& ch, const std::vector<Record>& items, std::int64_t now_ms) {
  feed_store_result result;
  const std::string origin = ch.log->directory().string();
  for (const Record& item : items) {
    if (item.key.empty()) {
      report_->problem("feed_record_without_key", origin, 0, "a record without a key was refused");
      ++result.rejected;
      continue;
    }
    if (ch.keys.contains(item.key)) {
      ++result.duplicates;
      continue;
    }
    std::string payload;
    try {
      payload = encode_feed_record(item);
    } catch (const std::invalid_argument& e) {
      report_->problem("feed_bad_frame", origin, 0, e.what());
      ++result.rejected;
      continue;
    }
    if (payload.size() > ring_log::max_payload_bytes) {
      report_->problem("feed_record_too_large", origin, 0,
                       "record " + item.key + " of " + std::to_string(payload.size()) + " bytes was refused");
      ++result.rejected;
      continue;
    }
    // The key is held from here: if the write below fails, the record stays buffered in the log
    // and a re-send finds it held and retries the sync.
    const std::uint64_t sequence = ch.log->append(payload, now_ms);
    ch.keys.add(item.key, sequence, now_ms);
    ++result.stored;
  }
  make_durable(ch);
  counters_.stored += result.stored;
  counters_.duplicates += result.duplicates;
  counters_.rejected += result.rejected;
  return result;
}

void feed_store::make_durable(channel& ch) {
  if (options_.fsync == ring_fsync::never)
    ch.log->flush();
  else
    ch.log->sync();
  // Writing may have dropped segments for the byte or age bound.
  forget_dropped(ch);
}

void feed_store::forget_dropped(channel& ch) {
  const std::uint64_t first = ch.log->first_sequence();
  counters_.keys_forgotten += ch.keys.forget_before(first);
  ch.bad.erase(ch.bad.begin(), ch.bad.lower_bound(first));
}

std::uint64_t feed_store::enforce_retention(std::int64_t now_ms) {
  std::uint64_t dropped = 0;
  for (channel* ch : {&text_channel_, &frame_channel_}) {
    const std::uint64_t before = ch->log->first_sequence();
    ch->log->enforce_retention(now_ms);
    const std::uint64_t after = ch->log->first_sequence();
    dropped += after - before;
    forget_dropped(*ch);
  }
  return dropped;
}

template <class Record>
std::vector<feed_entry<Record>> feed_store::read(const channel& ch, std::uint64_t& cursor, std::size_t max) const {
  std::vector<feed_entry<Record>> out;
  if (max == 0) return out;
  const std::string origin = ch.log->directory().string();
  ring_log::reader reader = ch.log->read_from(cursor);
  ring_record record;
  while (out.size() < max && reader.next(record)) {
    if (ch.bad.count(record.sequence) > 0) continue;
    auto decoded = decode(static_cast<const Record*>(nullptr), record.payload, *report_, origin, record.sequence);
    if (!decoded) {
      ch.bad.insert(record.sequence);
      ++bad_records_;
      continue;
    }
    out.push_back(feed_entry<Record>{record.sequence, record.timestamp_ms, std::move(*decoded)});
  }
  cursor = reader.position();
  return out;
}

std::vector<feed_entry<interaction>> feed_store::read_interactions(std::uint64_t& cursor, std::size_t max) const {
  return read<interaction>(text_channel_, cursor, max);
}

std::vector<feed_entry<frame_record>> feed_store::read_frames(std::uint64_t& cursor, std::size_t max) const {
  return read<frame_record>(frame_channel_, cursor, max);
}

std::vector<feed_entry<interaction>> feed_store::recent_interactions(std::int64_t since_ms) const {
  std::uint64_t cursor = text_channel_.keys.first_stored_since(since_ms, text_->written_sequence() + 1);
  auto out = read<interaction>(text_channel_, cursor, all);
  // After a clock step a later record may carry an earlier time.
  out.erase(std::remove_if(out.begin(), out.end(), [&](const auto& e) { return e.stored_ms < since_ms; }), out.end());
  return out;
}

std::vector<feed_entry<frame_record>> feed_store::recent_frames(std::int64_t since_ms) const {
  std::uint64_t cursor = frame_channel_.keys.first_stored_since(since_ms, frames_->written_sequence() + 1);
  auto out = read<frame_record>(frame_channel_, cursor, all);
  out.erase(std::remove_if(out.begin(), out.end(), [&](const auto& e) { return e.stored_ms < since_ms; }), out.end());
  return out;
}

std::uint64_t feed_store::new_records(const channel& ch) const {
  const std::uint64_t from = std::max(ch.cycle_position, ch.log->first_sequence());
  const std::uint64_t last = ch.log->written_sequence();
  return last + 1 > from ? last + 1 - from : 0;
}

std::uint64_t feed_store::new_interactions() const { return new_records(text_channel_); }

void feed_store::mark_cycle() {
  // Mark in memory first, so a failed save cannot make the same records count twice.
  for (channel* ch : {&text_channel_, &frame_channel_}) ch->cycle_position = ch->log->written_sequence() + 1;
  for (channel* ch : {&text_channel_, &frame_channel_})
    ch->log->save_consumer_position(cycle_consumer, ch->cycle_position);
}

feed_counters feed_store::counters() const {
  feed_counters c = counters_;
  const ring_log_metrics text = text_->metrics();
  const ring_log_metrics frames = frames_->metrics();
  c.interactions = text.records;
  c.frames = frames.records;
  c.text_bytes = text.bytes;
  c.frame_bytes = frames.bytes;
  c.new_interactions = new_records(text_channel_);
  c.new_frames = new_records(frame_channel_);
  c.aged_out = text.records_aged_out + frames.records_aged_out;
  c.evicted = text.records_evicted + frames.records_evicted;
  c.bad_records = bad_records_;
  return c;
}

}  // namespace atn
