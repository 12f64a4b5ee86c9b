#include "runtime/ingest/time_aligner.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace atn {

alignment align_by_time(const std::vector<interaction>& texts, const std::vector<frame_record>& frames,
                        const alignment_options& options) {
  const std::int64_t window = std::max<std::int64_t>(0, options.window_ms);
  // Frames with a known time, sorted by it, for a range lookup per text.
  std::vector<std::size_t> by_time;
  for (std::size_t f = 0; f < frames.size(); ++f)
    if (frames[f].timestamp_ms >= 0) by_time.push_back(f);
  std::sort(by_time.begin(), by_time.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(frames[a].timestamp_ms, a) < std::tie(frames[b].timestamp_ms, b);
  });

  struct candidate {
    std::int64_t distance;
    std::size_t text, frame;
  };
  std::vector<candidate> candidates;
  for (std::size_t t = 0; t < texts.size(); ++t) {
    const std::int64_t at = texts[t].timestamp_ms;
    if (at < 0) continue;
    auto first = std::lower_bound(by_time.begin(), by_time.end(), at - window,
                                  [&](std::size_t f, std::int64_t v) { return frames[f].timestamp_ms < v; });
    for (auto it = first; it != by_time.end() && frames[*it].timestamp_ms <= at + window; ++it)
      candidates.push_back({std::llabs(frames[*it].timestamp_ms - at), t, *it});
  }
  std::sort(candidates.begin(), candidates.end(), [](const candidate& a, const candidate& b) {
    return std::tie(a.distance, a.text, a.frame) < std::tie(b.distance, b.text, b.frame);
  });

  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::vector<std::size_t> frame_of(texts.size(), none);
  std::vector<bool> frame_used(frames.size(), false);
  for (const auto& c : candidates) {
    if (frame_of[c.text] != none || frame_used[c.frame]) continue;
    frame_of[c.text] = c.frame;
    frame_used[c.frame] = true;
  }

  alignment out;
  out.samples.reserve(texts.size() + frames.size());
  auto put_frame = [](aligned_sample& s, const frame_record& f) {
    s.has_visual = true;
    s.rgb = f.rgb;
    s.size = f.size;
  };
  for (std::size_t t = 0; t < texts.size(); ++t) {
    aligned_sample s;
    s.has_text = true;
    s.session = texts[t].session;
    s.agent = texts[t].agent;
    s.timestamp_ms = texts[t].timestamp_ms;
    s.lines = texts[t].lines;
    if (frame_of[t] != none) {
      put_frame(s, frames[frame_of[t]]);
      ++out.multimodal;
    } else {
      ++out.text_only;
    }
    out.samples.push_back(std::move(s));
  }
  for (std::size_t f = 0; f < frames.size(); ++f) {
    if (frame_used[f]) continue;
    aligned_sample s;
    s.session = frames[f].key;
    s.agent = "unknown";
    s.timestamp_ms = frames[f].timestamp_ms;
    put_frame(s, frames[f]);
    ++out.visual_only;
    out.samples.push_back(std::move(s));
  }
  std::stable_sort(out.samples.begin(), out.samples.end(), [](const aligned_sample& a, const aligned_sample& b) {
    const bool ua = a.timestamp_ms < 0, ub = b.timestamp_ms < 0;
    if (ua != ub) return ub;
    return a.timestamp_ms < b.timestamp_ms;
  });
  return out;
}

}  // namespace atn
