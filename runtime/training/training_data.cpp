#include "runtime/training/training_data.hpp"

#include "data/atn_reader.hpp"
#include "data/image_loader.hpp"
#include "model/byte_tokenizer.hpp"
#include "model/rng.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace atn {
namespace {

// FNV-1a: a stable hash of a session id, so the split never depends on the order of files.
std::uint64_t stable_hash(const std::string& s, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return rng::derive(h, 0);
}

bool is_held_out(const std::string& id, const training_data_options& o) {
  return static_cast<double>(stable_hash(id, o.seed) % 1000000) < o.holdout * 1e6;
}

// The text of a session up to and including line `upto`, its most recent part if it is longer
// than a window: what was on the person's mind when the frame was taken.
std::vector<std::int64_t> text_at(const text_session& s, std::size_t upto, std::size_t max_tokens) {
  std::string text;
  for (std::size_t i = 0; i <= upto; ++i) {
    if (!text.empty()) text += '\n';
    text += s.lines[i].text;
  }
  const std::size_t room = max_tokens - 2;
  if (text.size() > room) text = text.substr(text.size() - room);
  return byte_tokenizer::encode(text);
}

// Keeps the samples whose session falls in slice `index` of `count`.
void keep_slice(sample_split& split, std::size_t index, std::size_t count, std::uint64_t seed) {
  if (count <= 1) return;
  if (index >= count)
    throw std::invalid_argument("data slice " + std::to_string(index) + " of " + std::to_string(count) +
                                " does not exist");
  auto outside = [&](const training_sample& s) {
    return stable_hash(s.session, seed ^ 0x9e3779b97f4a7c15ULL) % count != index;
  };
  for (auto* kind : {&split.text, &split.visual, &split.multimodal})
    kind->erase(std::remove_if(kind->begin(), kind->end(), outside), kind->end());
}

}  // namespace

training_data load_training_data(const training_data_options& o, input_report& report) {
  training_data out;
  std::vector<text_session> sessions;
  if (o.modalities.text || o.images_dir) {
    atn_read_options read;
    read.privacy = o.privacy;
    sessions = read_atn_directory(o.atn_dir, read, report);
  }
  out.sessions = sessions.size();
  std::map<std::string, std::int32_t> labels;
  for (const auto& s : sessions) labels.emplace(s.agent, 0);
  for (auto& [name, index] : labels) {
    index = static_cast<std::int32_t>(out.agents.size());
    out.agents.push_back(name);
  }

  // Text windows, whole sessions to one side of the split.
  const auto max_len = static_cast<std::size_t>(o.model.max_seq_length);
  for (const auto& s : sessions) {
    const bool held = is_held_out(s.id, o);
    out.held_out_sessions += held;
    if (!o.modalities.text || s.lines.empty()) continue;
    auto& dest = held ? out.held_out.text : out.train.text;
    for (auto& window : byte_tokenizer::windows(s.joined(), max_len, o.window_stride))
      dest.push_back({std::move(window), nullptr, labels[s.agent], s.id});
  }

  if (o.modalities.visual && o.images_dir) {
    // Every timestamped text line, sorted, to pair frames with the turn nearest in time.
    struct moment {
      std::int64_t ms;
      std::size_t session, line;
    };
    std::vector<moment> moments;
    for (std::size_t i = 0; i < sessions.size(); ++i)
      for (std::size_t j = 0; j < sessions[i].lines.size(); ++j)
        if (sessions[i].lines[j].timestamp_ms >= 0) moments.push_back({sessions[i].lines[j].timestamp_ms, i, j});
    std::sort(moments.begin(), moments.end(), [](const moment& a, const moment& b) { return a.ms < b.ms; });

    for (const auto& frame : list_frames(*o.images_dir, report)) {
      auto image = load_image(frame.path, static_cast<int>(o.model.image_size), report);
      if (!image) continue;
      ++out.frames;
      auto pixels = std::make_shared<const std::vector<float>>(std::move(image->chw));
      const moment* nearest = nullptr;
      if (frame.timestamp_ms >= 0 && !moments.empty()) {
        auto it = std::lower_bound(moments.begin(), moments.end(), frame.timestamp_ms,
                                   [](const moment& m, std::int64_t t) { return m.ms < t; });
        for (auto cand : {it, it == moments.begin() ? moments.end() : std::prev(it)}) {
          if (cand == moments.end()) continue;
          if (std::llabs(cand->ms - frame.timestamp_ms) > o.align_window_ms) continue;
          if (!nearest || std::llabs(cand->ms - frame.timestamp_ms) < std::llabs(nearest->ms - frame.timestamp_ms))
            nearest = &*cand;
        }
      }
      if (nearest) {
        const auto& s = sessions[nearest->session];
        const bool held = is_held_out(s.id, o);
        auto& split = held ? out.held_out : out.train;
        ++out.paired_frames;
        split.visual.push_back({{}, pixels, labels[s.agent], s.id});
        if (o.modalities.text)
          split.multimodal.push_back({text_at(s, nearest->line, max_len), pixels, labels[s.agent], s.id});
      } else {
        const auto id = frame.path.filename().string();
        (is_held_out(id, o) ? out.held_out : out.train).visual.push_back({{}, pixels, -1, id});
      }
    }
  }
  keep_slice(out.train, o.train_slice, o.train_slices, o.seed);
  keep_slice(out.held_out, o.held_out_slice, o.held_out_slices, o.seed);
  if (out.train.size() == 0)
    throw std::runtime_error("no usable training samples in " + o.atn_dir.string() +
                             (o.images_dir ? " and " + o.images_dir->string() : std::string()) +
                             " for the requested modalities (bad input: " + report.summary() + ")");
  return out;
}

training_batch make_batch(const std::vector<const training_sample*>& samples, const model_config& model) {
  training_batch b;
  b.batch = static_cast<std::int64_t>(samples.size());
  std::size_t longest = 0;
  bool any_image = false;
  for (const auto* s : samples) {
    longest = std::max(longest, s->tokens.size());
    any_image = any_image || s->image;
  }
  if (longest > 0) {
    longest = std::max<std::size_t>(longest, 2);
    std::vector<std::vector<std::int64_t>> seqs;
    for (const auto* s : samples)
      seqs.push_back(s->tokens.empty() ? std::vector<std::int64_t>{byte_tokenizer::bos, byte_tokenizer::eos}
                                       : s->tokens);
    auto padded = byte_tokenizer::pad_batch(seqs, longest);
    b.seq_len = padded.length;
    b.tokens = std::move(padded.tokens);
    b.valid = std::move(padded.valid);
  }
  if (any_image) {
    b.image_size = model.image_size;
    const std::size_t per = static_cast<std::size_t>(3 * model.image_size * model.image_size);
    b.images.assign(per * samples.size(), 0.0f);
    for (std::size_t i = 0; i < samples.size(); ++i)
      if (samples[i]->image)
        std::copy(samples[i]->image->begin(), samples[i]->image->end(), b.images.begin() + i * per);
  }
  for (const auto* s : samples) {
    b.has_text.push_back(!s->tokens.empty());
    b.has_visual.push_back(s->image != nullptr);
    b.labels.push_back(s->label);
  }
  return b;
}

std::vector<training_batch> make_batches(const std::vector<training_sample>& samples, std::int64_t batch_size,
                                         const model_config& model) {
  std::vector<training_batch> out;
  for (std::size_t i = 0; i < samples.size(); i += static_cast<std::size_t>(batch_size)) {
    std::vector<const training_sample*> chunk;
    for (std::size_t j = i; j < std::min(samples.size(), i + static_cast<std::size_t>(batch_size)); ++j)
      chunk.push_back(&samples[j]);
    out.push_back(make_batch(chunk, model));
  }
  return out;
}

sample_pool_source::sample_pool_source(const sample_split& pool, const model_config& model, std::int64_t batch_size,
                                       std::uint64_t seed)
    : pool_(pool), model_(model), batch_size_(batch_size), state_(seed) {}

std::optional<training_batch> sample_pool_source::next(const modality_set& m) {
  std::vector<const std::vector<training_sample>*> kinds;
  if (m.text && !pool_.text.empty()) kinds.push_back(&pool_.text);
  if (m.visual && !pool_.visual.empty()) kinds.push_back(&pool_.visual);
  if (m.text && m.visual && !pool_.multimodal.empty()) kinds.push_back(&pool_.multimodal);
  if (kinds.empty()) return std::nullopt;
  const auto& kind = *kinds[turn_++ % kinds.size()];
  rng gen(rng::derive(state_, turn_));
  std::vector<const training_sample*> chosen;
  for (std::int64_t i = 0; i < batch_size_; ++i) chosen.push_back(&kind[gen.below(kind.size())]);
  return make_batch(chosen, model_);
}

}  // namespace atn
