#include "model/image_masker.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace atn {

namespace {

constexpr double eps = 1e-9;

void check_range(const char* name, double lo, double hi, double max) {
  if (!(lo > 0.0) || !(lo <= hi) || !(hi <= max)) {
    throw std::invalid_argument(std::string("image_masker_config: ") + name + " needs 0 < min <= max" +
                                (max < 1e300 ? " <= 1" : ""));
  }
}

}  // namespace

image_masker::image_masker(image_masker_config config) : config_(config) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("image_masker_config: " + what); };
  if (config_.grid_height < 1 || config_.grid_width < 1) fail("the grid needs at least one patch");
  if (config_.target_blocks < 1) fail("target_blocks must be at least 1");
  if (config_.min_keep < 0) fail("min_keep must not be negative");
  if (config_.max_tries < 1) fail("max_tries must be at least 1");
  const double inf = std::numeric_limits<double>::infinity();
  check_range("target scale", config_.target_scale_min, config_.target_scale_max, 1.0);
  check_range("context scale", config_.context_scale_min, config_.context_scale_max, 1.0);
  check_range("target aspect", config_.target_aspect_min, config_.target_aspect_max, inf);
  check_range("context aspect", config_.context_aspect_min, config_.context_aspect_max, inf);
}

block_size image_masker::block_for(double scale, double aspect, double scale_min, double scale_max, double aspect_min,
                                   double aspect_max) const {
  const std::int64_t n = config_.grid_height * config_.grid_width;
  const auto area_lo = static_cast<std::int64_t>(std::ceil(scale_min * static_cast<double>(n) - eps));
  const auto area_hi = static_cast<std::int64_t>(std::floor(scale_max * static_cast<double>(n) + eps));
  const double want_area = std::max(scale * static_cast<double>(n), eps);
  const double want_aspect = std::max(aspect, eps);
  // Grids are small (a few hundred patches at most), so trying every size is cheap and exact.
  block_size best;
  int best_tier = 3;
  double best_cost = std::numeric_limits<double>::infinity();
  for (std::int64_t h = 1; h <= config_.grid_height; ++h) {
    for (std::int64_t w = 1; w <= config_.grid_width; ++w) {
      const std::int64_t area = h * w;
      const double ratio = static_cast<double>(h) / static_cast<double>(w);
      const bool area_ok = area >= area_lo && area <= area_hi;
      const bool aspect_ok = ratio >= aspect_min - eps && ratio <= aspect_max + eps;
      const int tier = area_ok ? (aspect_ok ? 0 : 1) : 2;
      const double cost =
          std::fabs(std::log(static_cast<double>(area) / want_area)) + std::fabs(std::log(ratio / want_aspect));
      if (tier < best_tier || (tier == best_tier && cost < best_cost)) {
        best = {h, w};
        best_tier = tier;
        best_cost = cost;
      }
    }
  }
  return best;
}

void image_masker::place(const block_size& size, rng& gen, std::int64_t& top, std::int64_t& left) const {
  top = gen.between(0, config_.grid_height - size.height);
  left = gen.between(0, config_.grid_width - size.width);
}

image_mask_draw image_masker::draw(std::int64_t batch, std::uint64_t seed) const {
  const auto& c = config_;
  image_mask_draw out;
  rng gen(seed);
  out.target_block = block_for(gen.uniform(c.target_scale_min, c.target_scale_max),
                               gen.uniform(c.target_aspect_min, c.target_aspect_max), c.target_scale_min,
                               c.target_scale_max, c.target_aspect_min, c.target_aspect_max);
  out.context_block = block_for(gen.uniform(c.context_scale_min, c.context_scale_max),
                                gen.uniform(c.context_aspect_min, c.context_aspect_max), c.context_scale_min,
                                c.context_scale_max, c.context_aspect_min, c.context_aspect_max);
  const block_size tb = out.target_block, cb = out.context_block;
  const std::int64_t width = c.grid_width;
  const auto patches = static_cast<std::size_t>(c.grid_height * width);

  std::vector<std::uint8_t> in_target(patches);
  std::int64_t top = 0, left = 0;
  out.samples.resize(static_cast<std::size_t>(std::max<std::int64_t>(batch, 0)));
  for (std::size_t b = 0; b < out.samples.size(); ++b) {
    auto& s = out.samples[b];
    rng g(rng::derive(seed, b));
    s.targets.assign(static_cast<std::size_t>(c.target_blocks), {});
    bool done = false;
    for (std::int64_t round = 0; round < c.max_tries && !done; ++round) {
      std::fill(in_target.begin(), in_target.end(), 0);
      for (auto& t : s.targets) {
        place(tb, g, top, left);
        t.clear();
        t.reserve(static_cast<std::size_t>(tb.area()));
        for (std::int64_t r = top; r < top + tb.height; ++r) {
          for (std::int64_t col = left; col < left + tb.width; ++col) {
            t.push_back(r * width + col);
            in_target[static_cast<std::size_t>(r * width + col)] = 1;
          }
        }
      }
      for (std::int64_t attempt = 0; attempt < c.max_tries; ++attempt) {
        place(cb, g, top, left);
        s.context.clear();
        for (std::int64_t r = top; r < top + cb.height; ++r) {
          for (std::int64_t col = left; col < left + cb.width; ++col) {
            if (!in_target[static_cast<std::size_t>(r * width + col)]) s.context.push_back(r * width + col);
          }
        }
        if (static_cast<std::int64_t>(s.context.size()) >= c.min_keep) {
          done = true;
          break;
        }
      }
    }
    if (!done) {
      // Every placement left too little: fall back to everything the targets do not cover.
      s.context.clear();
      for (std::size_t p = 0; p < patches; ++p) {
        if (!in_target[p]) s.context.push_back(static_cast<std::int64_t>(p));
      }
    }
  }
  return out;
}

image_mask_batch image_masker::stack(const image_mask_draw& draw) {
  image_mask_batch out;
  const auto& samples = draw.samples;
  out.batch = static_cast<std::int64_t>(samples.size());
  if (samples.empty()) return out;
  const std::size_t blocks = samples.front().targets.size();
  std::size_t n_ctx = samples.front().context.size();
  std::size_t n_tgt = blocks ? samples.front().targets.front().size() : 0;
  for (const auto& s : samples) {
    n_ctx = std::min(n_ctx, s.context.size());
    for (const auto& t : s.targets) n_tgt = std::min(n_tgt, t.size());
  }
  out.n_ctx = static_cast<std::int64_t>(n_ctx);
  out.n_tgt_per_block = static_cast<std::int64_t>(n_tgt);
  out.ctx_idx.reserve(samples.size() * n_ctx);
  out.tgt_idx.assign(blocks, {});
  for (auto& t : out.tgt_idx) t.reserve(samples.size() * n_tgt);
  // Each list is ascending, so its prefix keeps the lowest patch indices (as I-JEPA does).
  for (const auto& s : samples) {
    out.ctx_idx.insert(out.ctx_idx.end(), s.context.begin(), s.context.begin() + static_cast<std::ptrdiff_t>(n_ctx));
    for (std::size_t k = 0; k < blocks; ++k) {
      const auto& t = s.targets[k];
      out.tgt_idx[k].insert(out.tgt_idx[k].end(), t.begin(), t.begin() + static_cast<std::ptrdiff_t>(n_tgt));
    }
  }
  return out;
}

}  // namespace atn
