#include "runtime/ingest/frame_intake.hpp"

#include "data/frame_meta.hpp"
#include "data/image_loader.hpp"
#include "runtime/ingest/capture_dir_watch.hpp"

#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace atn {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

struct frame_intake::stream {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::sub};
  std::uint64_t received = 0;
};

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

frame_intake::frame_intake(frame_intake_options options)
    : options_(std::move(options)), filter_(options_.filter), limiter_(options_.fps_cap), taken_(options_.state_file) {
  if (!options_.report) options_.report = std::make_shared<input_report>();
  if (options_.max_batch == 0) options_.max_batch = 1;
  taken_.load(*options_.report);
}

frame_intake::~frame_intake() { close(); }

bool frame_intake::subscribed() const { return stream_ != nullptr; }

void frame_intake::open(std::optional<std::chrono::system_clock::time_point> skip_since) {
  if (open_) return;
  open_ = true;
  skip_window_ns_.reset();
  if (skip_since) {
    const auto ns = [](std::chrono::system_clock::time_point t) {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    };
    skip_window_ns_ = {ns(*skip_since), ns(std::chrono::system_clock::now())};
  }
  dir_problem_reported_ = false;
  next_watch_attempt_ = {};
  if (!options_.stream_endpoint.empty()) {
    try {
      auto s = std::make_unique<stream>();
      s->socket.set(zmq::sockopt::linger, 0);
      s->socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options_.max_message_bytes));
      s->socket.set(zmq::sockopt::subscribe, "");
      s->socket.connect(options_.stream_endpoint);
      stream_ = std::move(s);
    } catch (const zmq::error_t& e) {
      report().problem("bad_endpoint", "zmq " + options_.stream_endpoint, 0,
                       std::string("cannot subscribe: ") + e.what());
    }
  }
}

void frame_intake::close() {
  if (open_) {
    open_ = false;
    watch_.reset();
    stream_.reset();
    sidecars_.clear();
    waiting_.clear();
  }
  save_state();
}

void frame_intake::save_state() { taken_.save(report()); }

intake_counters frame_intake::counters() const {
  intake_counters c = counters_;
  c.excluded_source = filter_.excluded().source;
  c.excluded_title = filter_.excluded().title;
  c.excluded_url = filter_.excluded().url;
  c.fps_dropped = limiter_.dropped();
  return c;
}

std::string frame_intake::name_of(const fs::path& path) const {
  return path.lexically_relative(options_.capture_dir).generic_string();
}

void frame_intake::try_watch(std::vector<intake_frame>& out) {
  if (options_.capture_dir.empty() || watch_ || steady::now() < next_watch_attempt_) return;
  try {
    watch_ = std::make_unique<capture_dir_watch>(options_.capture_dir);
  } catch (const std::system_error& e) {
    next_watch_attempt_ = steady::now() + options_.retry_interval;
    if (!dir_problem_reported_) {
      // Once per outage: the retry every retry_interval must not flood the report.
      dir_problem_reported_ = true;
      const bool missing = e.code() == std::errc::no_such_file_or_directory || e.code() == std::errc::not_a_directory;
      report().problem(missing ? "missing_directory" : "unreadable_directory", options_.capture_dir.string(), 0,
                       std::string(e.what()) + "; retrying");
    }
    return;
  }
  if (dir_problem_reported_) spdlog::info("frame intake: watching {} again", options_.capture_dir.string());
  dir_problem_reported_ = false;
  scan(out);
}

void frame_intake::scan(std::vector<intake_frame>& out) {
  std::vector<fs::path> unreadable;
  auto files = watch_->list(unreadable);
  for (const auto& dir : unreadable)
    report().problem("unreadable_directory", dir.string(), 0, "cannot list; its frames are skipped");
  for (const auto& f : files)
    if (f.extension() == ".json") sidecars_.insert(f);
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    if (is_frame_image_name(f)) on_image(f, true, out);
}

void frame_intake::on_image(const fs::path& path, bool from_scan, std::vector<intake_frame>& out) {
  const auto stamp = stamp_of(path);
  if (!stamp) return;  // gone again before we looked
  const std::string name = name_of(path);
  if (taken_.contains(name, *stamp)) return;
  if (skip_window_ns_ && stamp->mtime_ns >= skip_window_ns_->first && stamp->mtime_ns < skip_window_ns_->second) {
    ++counters_.skipped_without_consent;
    taken_.mark(name, *stamp, true);
    return;
  }
  std::optional<fs::path> sidecar;
  for (const auto& candidate : sidecar_candidates(path))
    if (sidecars_.count(candidate)) {
      sidecar = candidate;
      break;
    }
  if (!sidecar && options_.expect_sidecar && !from_scan) {
    waiting_.emplace(path, steady::now() + options_.sidecar_wait);
    return;
  }
  take_file(path, name, *stamp, sidecar, out);
}

void frame_intake::on_sidecar(const fs::path& path, std::vector<intake_frame>& out) {
  sidecars_.insert(path);
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    const auto candidates = sidecar_candidates(it->first);
    if (candidates[0] != path && candidates[1] != path) continue;
    const fs::path image = it->first;
    waiting_.erase(it);
    on_image(image, false, out);
    return;
  }
}

void frame_intake::expire_pending(std::vector<intake_frame>& out) {
  const auto now = steady::now();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    const fs::path image = it->first;
    it = waiting_.erase(it);
    report().problem("missing_sidecar", image.string(), 0, "no sidecar after the wait; using the file's own time");
    const auto stamp = stamp_of(image);
    if (stamp) take_file(image, name_of(image), *stamp, std::nullopt, out);
  }
}

void frame_intake::take_file(const fs::path& path, const std::string& name, const file_stamp& stamp,
                             const std::optional<fs::path>& sidecar, std::vector<intake_frame>& out) {
  ++counters_.files_seen;
  frame_file meta = describe_frame(path, sidecar, report());
  // No time in the name or the sidecar: the capture tool wrote it when it captured it.
  if (meta.timestamp_ms < 0) meta.timestamp_ms = stamp.mtime_ns / 1000000;
  auto record = make_record(meta, name, [&] { return decode_image(path, report()); });
  if (!record) {
    taken_.mark(name, stamp, true);  // nothing to keep: do not look at it again
    return;
  }
  taken_.mark(name, stamp, false);
  out.push_back({std::move(*record), name, stamp});
}

std::optional<frame_record> frame_intake::make_record(const frame_file& meta, const std::string& fallback_key,
                                                      const std::function<std::optional<rgb_image>()>& decode) {
  if (filter_.check(meta.source_id, meta.window_title, meta.url) != frame_exclusion::none) return std::nullopt;
  // The cap is checked before decoding (cheap) but only an image that decodes takes the slot.
  if (!limiter_.would_accept(meta.source_id, meta.timestamp_ms)) {
    limiter_.accept(meta.source_id, meta.timestamp_ms);
    return std::nullopt;
  }
  auto image = decode();
  if (!image) {
    ++counters_.rejected;
    return std::nullopt;
  }
  limiter_.accept(meta.source_id, meta.timestamp_ms);
  frame_record r;
  r.key = (meta.source_id.empty() ? fallback_key : meta.source_id) + ":" + std::to_string(meta.timestamp_ms);
  r.source_id = meta.source_id;
  r.window_title = meta.window_title;
  r.url = meta.url;
  r.timestamp_ms = meta.timestamp_ms;
  r.size = filter_.options().size;
  r.rgb = std::make_shared<const std::vector<std::uint8_t>>(filter_.prepare(std::move(*image)));
  ++counters_.frames;
  return r;
}

void frame_intake::receive_stream(std::vector<intake_frame>& out) {
  for (std::size_t n = 0; n < options_.max_batch; ++n) {
    std::vector<zmq::message_t> parts;
    try {
      if (!zmq::recv_multipart(stream_->socket, std::back_inserter(parts), zmq::recv_flags::dontwait)) return;
    } catch (const zmq::error_t& e) {
      report().problem("stream_error", "zmq " + options_.stream_endpoint, 0, e.what());
      return;
    }
    ++counters_.stream_messages;
    const std::string shown = "zmq " + options_.stream_endpoint + " message " + std::to_string(++stream_->received);
    if (parts.size() != 2) {
      ++counters_.rejected;
      report().problem("bad_message", shown, 0,
                       "expected 2 frames (JSON metadata, image), got " + std::to_string(parts.size()));
      continue;
    }
    frame_file meta;
    if (!parse_frame_meta(parts[0].to_string_view(), shown, meta, report())) {
      ++counters_.rejected;
      continue;
    }
    // A live frame without a usable time is stamped on arrival.
    if (meta.timestamp_ms < 0) meta.timestamp_ms = now_ms();
    const auto& image = parts[1];
    auto record =
        make_record(meta, "stream", [&] { return decode_image_bytes(image.data(), image.size(), shown, report()); });
    if (record) out.push_back({std::move(*record), {}, {}});
  }
}

std::vector<intake_frame> frame_intake::poll(std::chrono::milliseconds timeout) {
  std::vector<intake_frame> out;
  if (!open_) return out;
  try_watch(out);
  if (!out.empty()) return out;
  // Wake for the earliest sidecar deadline or directory retry, not later.
  auto deadline = steady::now() + timeout;
  for (const auto& [image, due] : waiting_) deadline = std::min(deadline, due);
  if (!options_.capture_dir.empty() && !watch_) deadline = std::min(deadline, next_watch_attempt_);
  const auto wait = std::max(std::chrono::milliseconds(0),
                             std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()));
  std::vector<zmq::pollitem_t> items;
  if (watch_) items.push_back({nullptr, watch_->fd(), ZMQ_POLLIN, 0});
  if (stream_) items.push_back({static_cast<void*>(stream_->socket), 0, ZMQ_POLLIN, 0});
  if (items.empty()) {
    std::this_thread::sleep_for(wait);
  } else {
    try {
      zmq::poll(items.data(), items.size(), wait);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) report().problem("stream_error", "poll", 0, e.what());
    }
  }
  if (watch_) {
    for (const auto& event : watch_->read()) {
      switch (event.what) {
        case capture_event::kind::completed:
          if (event.path.extension() == ".json")
            on_sidecar(event.path, out);
          else if (is_frame_image_name(event.path))
            on_image(event.path, false, out);
          break;
        case capture_event::kind::removed:
          sidecars_.erase(event.path);
          waiting_.erase(event.path);
          taken_.forget(name_of(event.path));
          break;
        case capture_event::kind::overflow:
          spdlog::warn("frame intake: inotify queue overflowed on {}; rescanning", options_.capture_dir.string());
          scan(out);
          break;
        case capture_event::kind::gone:
          report().problem("missing_directory", options_.capture_dir.string(), 0,
                           "capture directory removed; waiting for it to return");
          dir_problem_reported_ = true;
          watch_.reset();
          next_watch_attempt_ = steady::now() + options_.retry_interval;
          break;
      }
      if (!watch_) break;
    }
  }
  if (stream_) receive_stream(out);
  expire_pending(out);
  return out;
}

void frame_intake::acknowledge(const std::vector<intake_frame>& frames) {
  for (const auto& f : frames)
    if (!f.file.empty()) taken_.settle(f.file, f.stamp);
}

}  // namespace atn
