#include "runtime/training/sample_mix_source.hpp"

#include "data/image_loader.hpp"
#include "model/byte_tokenizer.hpp"
#include "model/rng.hpp"

#include <numeric>
#include <stdexcept>

namespace atn {

sample_mix_source::sample_mix_source(const model_config& model, sample_mix_options options)
    : model_(model), options_(options), rng_state_(options.seed) {
  if (options_.text_weight < 0 || options_.visual_weight < 0 || options_.multimodal_weight < 0)
    throw std::invalid_argument("sample mix: weights must not be negative");
  if (options_.batch_size < 1) throw std::invalid_argument("sample mix: batch size must be at least 1");
}

std::shared_ptr<const std::vector<float>> sample_mix_source::normalise(const aligned_sample& s) const {
  if (!s.has_visual || !s.rgb || s.size <= 0 ||
      s.rgb->size() != static_cast<std::size_t>(s.size) * static_cast<std::size_t>(s.size) * 3)
    return nullptr;
  rgb_image image;
  image.height = image.width = s.size;
  image.pixels = *s.rgb;
  return std::make_shared<const std::vector<float>>(to_tensor(image, static_cast<int>(model_.image_size)).chw);
}

std::size_t sample_mix_source::add(const std::vector<aligned_sample>& samples) {
  // Tokenize and normalise outside the lock: the trainer keeps drawing meanwhile.
  std::vector<std::pair<sample_kind, training_sample>> made;
  std::uint64_t rejected = 0;
  const auto max_len = static_cast<std::size_t>(model_.max_seq_length);
  for (const auto& s : samples) {
    auto image = normalise(s);
    std::string text;
    if (s.has_text)
      for (std::size_t i = 0; i < s.lines.size(); ++i) text += (i ? "\n" : "") + s.lines[i];
    const bool has_text = s.has_text && !text.empty();
    if (!has_text && !image) {
      ++rejected;
      continue;
    }
    if (!has_text) {
      made.push_back({sample_kind::visual, training_sample{{}, image, -1, s.session}});
      continue;
    }
    const auto kind = image ? sample_kind::multimodal : sample_kind::text;
    for (auto& window : byte_tokenizer::windows(text, max_len, options_.window_stride))
      made.push_back({kind, training_sample{std::move(window), image, -1, s.session}});
  }
  std::lock_guard<std::mutex> lock(mutex_);
  rejected_ += rejected;
  for (auto& [kind, sample] : made) {
    pool& p = pools_[static_cast<int>(kind)];
    p.samples.push_back(std::move(sample));
    p.seen.push_back(false);
  }
  return made.size();
}

void sample_mix_source::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& p : pools_) p = pool{};
}

const training_sample& sample_mix_source::draw(pool& p) {
  if (p.at >= p.order.size()) {
    // A new pass over everything the pool holds now, samples added since the last pass included.
    p.order.resize(p.samples.size());
    std::iota(p.order.begin(), p.order.end(), std::size_t{0});
    rng gen(rng::derive(rng_state_, 0x9a55 + batches_ * 3 + static_cast<std::uint64_t>(&p - pools_)));
    gen.shuffle(p.order.begin(), p.order.end());
    p.at = 0;
  }
  const std::size_t i = p.order[p.at++];
  ++p.drawn;
  if (!p.seen[i]) {
    p.seen[i] = true;
    ++p.used;
  }
  return p.samples[i];
}

std::optional<training_batch> sample_mix_source::next(const modality_set& m) {
  std::lock_guard<std::mutex> lock(mutex_);
  const double weights[3] = {
      m.text && !pools_[0].samples.empty() ? options_.text_weight : 0.0,
      m.visual && !pools_[1].samples.empty() ? options_.visual_weight : 0.0,
      (m.text || m.visual) && !pools_[2].samples.empty() ? options_.multimodal_weight : 0.0,
  };
  const double total = weights[0] + weights[1] + weights[2];
  if (total <= 0) return std::nullopt;
  rng gen(rng::derive(rng_state_, batches_++));
  // Slots hold copies only where the task strips a modality; otherwise pointers into the pools.
  std::vector<training_sample> stripped;
  stripped.reserve(static_cast<std::size_t>(options_.batch_size));
  std::vector<const training_sample*> chosen;
  for (std::int64_t i = 0; i < options_.batch_size; ++i) {
    double pick = gen.uniform() * total;
    int kind = 0;
    while (kind < 2 && (pick >= weights[kind] || weights[kind] == 0)) {
      pick -= weights[kind];
      ++kind;
    }
    while (weights[kind] == 0) --kind;  // rounding ran past the last kind with a weight
    const training_sample& s = draw(pools_[kind]);
    if (kind == 2 && !(m.text && m.visual)) {
      training_sample copy = s;
      if (!m.visual) copy.image = nullptr;
      if (!m.text) copy.tokens.clear();
      stripped.push_back(std::move(copy));
      chosen.push_back(&stripped.back());
    } else {
      chosen.push_back(&s);
    }
  }
  return make_batch(chosen, model_);
}

std::size_t sample_mix_source::size(sample_kind kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pools_[static_cast<int>(kind)].samples.size();
}

std::uint64_t sample_mix_source::drawn(sample_kind kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pools_[static_cast<int>(kind)].drawn;
}

std::size_t sample_mix_source::used(sample_kind kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pools_[static_cast<int>(kind)].used;
}

std::uint64_t sample_mix_source::rejected() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rejected_;
}

}  // namespace atn
