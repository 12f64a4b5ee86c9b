#include "model/text_masker.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace atn {

namespace {

constexpr std::int64_t newline_token = '\n' + byte_tokenizer::byte_offset;

// A token the predictor may have to reconstruct: a byte (or an id past the vocabulary), never a
// special and never padding.
bool maskable(std::int64_t t) { return !byte_tokenizer::is_special(t); }

// Padding and BOS/EOS end a line; UNK is part of one (but is never masked).
bool ends_line(std::int64_t t) {
  return t == newline_token || t == byte_tokenizer::pad || t == byte_tokenizer::bos || t == byte_tokenizer::eos;
}

struct ratio_bounds {
  std::int64_t lo, hi;
};

ratio_bounds bounds_for(const text_masker_config& c, std::int64_t real) {
  // The epsilon keeps e.g. 0.15 * 20 = 3.0000000000000004 from rounding up to 4.
  const auto lo = static_cast<std::int64_t>(std::ceil(c.min_ratio * static_cast<double>(real) - 1e-9));
  const auto hi = static_cast<std::int64_t>(std::floor(c.max_ratio * static_cast<double>(real) + 1e-9));
  return {std::max<std::int64_t>(lo, 1), hi};
}

struct line {
  std::int64_t begin, end, count;  // count: maskable tokens in [begin, end)
};

bool starts_with(const std::int64_t* tokens, const line& l, std::string_view prefix) {
  if (l.end - l.begin < static_cast<std::int64_t>(prefix.size())) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const std::int64_t want = static_cast<unsigned char>(prefix[i]) + byte_tokenizer::byte_offset;
    if (tokens[l.begin + static_cast<std::int64_t>(i)] != want) return false;
  }
  return true;
}

bool matches(text_mask_mode mode, const std::int64_t* tokens, const line& l) {
  switch (mode) {
    case text_mask_mode::turn:
      return starts_with(tokens, l, "[user]") || starts_with(tokens, l, "[assistant]") ||
             starts_with(tokens, l, "[system]");
    case text_mask_mode::role_tool:
      return starts_with(tokens, l, "[tool:");
    case text_mask_mode::role_result:
      return starts_with(tokens, l, "[step:") || starts_with(tokens, l, "[result");
    case text_mask_mode::role_assistant:
      return starts_with(tokens, l, "[assistant]");
    case text_mask_mode::span:
      break;
  }
  return false;
}

// Deals the spans to `groups` groups at random and evenly (group sizes differ by at most one).
void deal_groups(std::vector<text_span>& spans, std::int64_t groups, rng& gen) {
  std::vector<std::int32_t> order(spans.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int32_t>(i);
  gen.shuffle(order.begin(), order.end());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    spans[i].group = static_cast<std::int32_t>(order[i] % groups);
  }
}

}  // namespace

std::optional<text_mask_mode> parse_text_mask_mode(std::string_view name) {
  if (name == "span") return text_mask_mode::span;
  if (name == "turn") return text_mask_mode::turn;
  if (name == "role_tool") return text_mask_mode::role_tool;
  if (name == "role_result") return text_mask_mode::role_result;
  if (name == "role_assistant") return text_mask_mode::role_assistant;
  return std::nullopt;
}

std::string_view to_string(text_mask_mode mode) {
  switch (mode) {
    case text_mask_mode::span:
      return "span";
    case text_mask_mode::turn:
      return "turn";
    case text_mask_mode::role_tool:
      return "role_tool";
    case text_mask_mode::role_result:
      return "role_result";
    case text_mask_mode::role_assistant:
      return "role_assistant";
  }
  return "span";
}

std::int64_t text_mask::target_count() const {
  std::int64_t n = 0;
  for (const auto& g : targets) n += static_cast<std::int64_t>(g.size());
  return n;
}

text_masker::text_masker(text_masker_config config) : config_(config) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("text_masker_config: " + what); };
  if (config_.min_span < 1) fail("min_span must be at least 1");
  if (config_.max_span < config_.min_span) fail("max_span must be at least min_span");
  if (!(config_.min_ratio >= 0.0) || !(config_.max_ratio < 1.0) || config_.min_ratio > config_.max_ratio) {
    fail("ratios must satisfy 0 <= min_ratio <= max_ratio < 1");
  }
  if (config_.groups < 1) fail("groups must be at least 1");
}

bool text_masker::mask_spans(const std::int64_t* tokens, std::int64_t valid_length, rng& gen,
                             std::vector<text_span>& spans) const {
  // Spans are laid out on the line of maskable positions; BOS/EOS are skipped over.
  std::vector<std::int64_t> eligible;
  eligible.reserve(static_cast<std::size_t>(valid_length));
  std::int64_t real = 0;
  for (std::int64_t p = 0; p < valid_length; ++p) {
    if (tokens[p] == byte_tokenizer::pad) continue;
    ++real;
    if (maskable(tokens[p])) eligible.push_back(p);
  }
  const auto e = static_cast<std::int64_t>(eligible.size());
  auto [lo, hi] = bounds_for(config_, real);
  lo = std::max(lo, config_.min_span);
  hi = std::min(hi, e);
  if (lo > hi) return false;

  // k spans of min_span…max_span tokens make `total` when k·min_span <= total <= k·max_span, and
  // need k − 1 visible separators. Not every count splits (5-token spans only make multiples of
  // 5): take the splittable count nearest the drawn one.
  auto k_range = [&](std::int64_t total) {
    const std::int64_t k_min = (total + config_.max_span - 1) / config_.max_span;
    const std::int64_t k_max = std::min(total / config_.min_span, e - total + 1);
    return std::pair<std::int64_t, std::int64_t>{k_min, k_max};
  };
  const std::int64_t drawn = gen.between(lo, hi);
  std::int64_t total = -1;
  for (std::int64_t d = 0; total < 0 && (drawn - d >= lo || drawn + d <= hi); ++d) {
    for (std::int64_t candidate : {drawn - d, drawn + d}) {
      if (candidate < lo || candidate > hi) continue;
      const auto [k_lo, k_hi] = k_range(candidate);
      if (k_lo <= k_hi) {
        total = candidate;
        break;
      }
    }
  }
  if (total < 0) return false;
  const auto [k_min, k_max] = k_range(total);
  const std::int64_t k = gen.between(std::max(k_min, std::min(config_.groups, k_max)), k_max);

  std::vector<std::int64_t> lengths(static_cast<std::size_t>(k), config_.min_span);
  std::vector<std::size_t> room;
  if (config_.max_span > config_.min_span) {
    for (std::size_t i = 0; i < lengths.size(); ++i) room.push_back(i);
  }
  for (std::int64_t extra = total - k * config_.min_span; extra > 0; --extra) {
    const std::size_t r = gen.below(room.size());
    if (++lengths[room[r]] == config_.max_span) {
      room[r] = room.back();
      room.pop_back();
    }
  }

  // Visible tokens left after the separators go to the k + 1 gaps: sorted uniform cut points.
  const std::int64_t free = e - total - (k - 1);
  std::vector<std::int64_t> cuts(static_cast<std::size_t>(k));
  for (auto& c : cuts) c = gen.between(0, free);
  std::sort(cuts.begin(), cuts.end());

  spans.clear();
  spans.reserve(static_cast<std::size_t>(k));
  std::int64_t pos = cuts[0];
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int64_t len = lengths[static_cast<std::size_t>(i)];
    spans.push_back(
        {eligible[static_cast<std::size_t>(pos)], eligible[static_cast<std::size_t>(pos + len - 1)] + 1, 0});
    if (i + 1 < k) {
      pos += len + 1 + cuts[static_cast<std::size_t>(i + 1)] - cuts[static_cast<std::size_t>(i)];
    }
  }
  deal_groups(spans, config_.groups, gen);
  return true;
}

bool text_masker::mask_lines(const std::int64_t* tokens, std::int64_t valid_length, rng& gen,
                             std::vector<text_span>& spans) const {
  std::vector<line> candidates;
  std::int64_t real = 0, eligible = 0;
  std::int64_t start = -1, count = 0;
  auto close = [&](std::int64_t end) {
    if (start >= 0 && count > 0) {
      const line l{start, end, count};
      if (matches(config_.mode, tokens, l)) candidates.push_back(l);
    }
    start = -1;
    count = 0;
  };
  for (std::int64_t p = 0; p < valid_length; ++p) {
    const std::int64_t t = tokens[p];
    if (t != byte_tokenizer::pad) ++real;
    if (ends_line(t)) {
      close(p);
      continue;
    }
    if (start < 0) start = p;
    if (maskable(t)) ++count, ++eligible;
  }
  close(valid_length);
  if (candidates.empty()) return false;

  std::vector<line> chosen;
  std::int64_t masked = 0;
  if (config_.mode == text_mask_mode::turn) {
    const auto [lo, hi] = bounds_for(config_, real);
    gen.shuffle(candidates.begin(), candidates.end());
    for (const auto& l : candidates) {
      if (masked >= lo) break;
      if (masked + l.count <= hi && masked + l.count < eligible) {
        chosen.push_back(l);
        masked += l.count;
      }
    }
    if (chosen.empty()) {
      // No turn fits the ratio: the shortest one, whole, beats cutting a turn.
      const auto shortest = std::min_element(candidates.begin(), candidates.end(),
                                             [](const line& a, const line& b) { return a.count < b.count; });
      if (shortest->count >= eligible) return false;
      chosen.push_back(*shortest);
    }
  } else {
    for (const auto& l : candidates) masked += l.count;
    if (masked >= eligible) return false;  // nothing would be left to predict from
    chosen = std::move(candidates);
  }

  std::sort(chosen.begin(), chosen.end(), [](const line& a, const line& b) { return a.begin < b.begin; });
  spans.clear();
  spans.reserve(chosen.size());
  for (const auto& l : chosen) spans.push_back({l.begin, l.end, 0});
  deal_groups(spans, config_.groups, gen);
  return true;
}

text_mask text_masker::mask(const std::int64_t* tokens, std::int64_t valid_length, rng& gen) const {
  valid_length = std::max<std::int64_t>(valid_length, 0);
  text_mask m;
  m.targets.resize(static_cast<std::size_t>(config_.groups));
  bool ok = false;
  if (config_.mode == text_mask_mode::span) {
    ok = mask_spans(tokens, valid_length, gen, m.spans);
  } else {
    ok = mask_lines(tokens, valid_length, gen, m.spans);
    if (!ok && config_.span_fallback) ok = mask_spans(tokens, valid_length, gen, m.spans);
  }
  if (!ok) m.spans.clear();

  std::vector<std::uint8_t> masked(static_cast<std::size_t>(valid_length), 0);
  for (const auto& s : m.spans) {  // spans are in position order, so each group stays sorted
    auto& group = m.targets[static_cast<std::size_t>(s.group)];
    for (std::int64_t p = s.begin; p < s.end; ++p) {
      if (!maskable(tokens[p])) continue;
      masked[static_cast<std::size_t>(p)] = 1;
      group.push_back(p);
    }
  }
  m.context.reserve(static_cast<std::size_t>(valid_length));
  for (std::int64_t p = 0; p < valid_length; ++p) {
    if (tokens[p] != byte_tokenizer::pad && !masked[static_cast<std::size_t>(p)]) {
      m.context.push_back(p);
    }
  }
  return m;
}

text_mask text_masker::mask(const std::vector<std::int64_t>& tokens, std::uint64_t seed) const {
  rng gen(seed);
  return mask(tokens.data(), static_cast<std::int64_t>(tokens.size()), gen);
}

text_mask_batch text_masker::mask_batch(const std::int64_t* tokens, std::int64_t batch, std::int64_t length,
                                        const std::int64_t* valid_lengths, std::uint64_t seed) const {
  std::vector<text_mask> masks;
  masks.reserve(static_cast<std::size_t>(std::max<std::int64_t>(batch, 0)));
  for (std::int64_t b = 0; b < batch; ++b) {
    rng gen(rng::derive(seed, static_cast<std::uint64_t>(b)));
    const std::int64_t valid = std::clamp<std::int64_t>(valid_lengths[b], 0, length);
    masks.push_back(mask(tokens + b * length, valid, gen));
  }
  return collate(masks);
}

text_mask_batch text_masker::mask_batch(const token_batch& batch, std::uint64_t seed) const {
  return mask_batch(batch.tokens.data(), batch.batch, batch.length, batch.lengths.data(), seed);
}

text_mask_batch text_masker::collate(const std::vector<text_mask>& masks) {
  text_mask_batch out;
  out.batch = static_cast<std::int64_t>(masks.size());
  for (const auto& m : masks) {
    out.n_ctx = std::max(out.n_ctx, static_cast<std::int64_t>(m.context.size()));
    out.n_tgt = std::max(out.n_tgt, m.target_count());
  }
  const auto rows = masks.size();
  out.ctx_idx.assign(rows * static_cast<std::size_t>(out.n_ctx), 0);
  out.ctx_valid.assign(out.ctx_idx.size(), 0);
  out.tgt_idx.assign(rows * static_cast<std::size_t>(out.n_tgt), 0);
  out.tgt_valid.assign(out.tgt_idx.size(), 0);
  out.tgt_group.assign(out.tgt_idx.size(), 0);
  for (std::size_t b = 0; b < rows; ++b) {
    const auto& m = masks[b];
    std::size_t at = b * static_cast<std::size_t>(out.n_ctx);
    for (std::int64_t p : m.context) {
      out.ctx_idx[at] = p;
      out.ctx_valid[at++] = 1;
    }
    at = b * static_cast<std::size_t>(out.n_tgt);
    for (std::size_t g = 0; g < m.targets.size(); ++g) {
      for (std::int64_t p : m.targets[g]) {
        out.tgt_idx[at] = p;
        out.tgt_valid[at] = 1;
        out.tgt_group[at++] = static_cast<std::int32_t>(g);
      }
    }
  }
  return out;
}

}  // namespace atn
