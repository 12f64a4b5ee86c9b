#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "model/image_masker.hpp"

using atn::image_mask_draw;
using atn::image_masker;
using atn::image_masker_config;

namespace {

image_masker_config grid(std::int64_t h, std::int64_t w) {
  image_masker_config c;
  c.grid_height = h;
  c.grid_width = w;
  return c;
}

// True when `patches` (ascending) is exactly a height × width rectangle of the grid.
bool is_rectangle(const std::vector<std::int64_t>& patches, const atn::block_size& size, std::int64_t width) {
  if (static_cast<std::int64_t>(patches.size()) != size.area() || patches.empty()) return false;
  const std::int64_t top = patches.front() / width, left = patches.front() % width;
  std::size_t i = 0;
  for (std::int64_t r = top; r < top + size.height; ++r) {
    for (std::int64_t c = left; c < left + size.width; ++c) {
      if (c >= width || patches[i++] != r * width + c) return false;
    }
  }
  return true;
}

void check_draw(const image_masker_config& c, const image_mask_draw& d, std::int64_t batch) {
  const std::int64_t n = c.grid_height * c.grid_width;
  REQUIRE(static_cast<std::int64_t>(d.samples.size()) == batch);
  for (const auto& s : d.samples) {
    REQUIRE(s.targets.size() == static_cast<std::size_t>(c.target_blocks));
    std::set<std::int64_t> target_set;
    for (const auto& t : s.targets) {
      REQUIRE(is_rectangle(t, d.target_block, c.grid_width));
      for (auto p : t) {
        REQUIRE(p >= 0);
        REQUIRE(p < n);
        target_set.insert(p);
      }
    }
    REQUIRE(std::is_sorted(s.context.begin(), s.context.end()));
    REQUIRE(std::adjacent_find(s.context.begin(), s.context.end()) == s.context.end());
    for (auto p : s.context) {
      REQUIRE(p >= 0);
      REQUIRE(p < n);
      REQUIRE(target_set.count(p) == 0);  // context ∩ targets = ∅
    }
  }
}

void check_stack(const image_mask_draw& d, const atn::image_mask_batch& b, std::int64_t blocks) {
  const auto batch = static_cast<std::int64_t>(d.samples.size());
  REQUIRE(b.batch == batch);
  std::size_t min_ctx = SIZE_MAX, min_tgt = SIZE_MAX;
  for (const auto& s : d.samples) {
    min_ctx = std::min(min_ctx, s.context.size());
    for (const auto& t : s.targets) min_tgt = std::min(min_tgt, t.size());
  }
  REQUIRE(b.n_ctx == static_cast<std::int64_t>(min_ctx));
  REQUIRE(b.n_tgt_per_block == static_cast<std::int64_t>(min_tgt));
  REQUIRE(b.ctx_idx.size() == static_cast<std::size_t>(batch * b.n_ctx));
  REQUIRE(b.tgt_idx.size() == static_cast<std::size_t>(blocks));
  for (const auto& t : b.tgt_idx) REQUIRE(t.size() == static_cast<std::size_t>(batch * b.n_tgt_per_block));
  for (std::int64_t i = 0; i < batch; ++i) {
    const auto& s = d.samples[static_cast<std::size_t>(i)];
    for (std::int64_t j = 0; j < b.n_ctx; ++j) {
      REQUIRE(b.ctx_idx[static_cast<std::size_t>(i * b.n_ctx + j)] == s.context[static_cast<std::size_t>(j)]);
    }
    for (std::int64_t k = 0; k < blocks; ++k) {
      for (std::int64_t j = 0; j < b.n_tgt_per_block; ++j) {
        REQUIRE(b.tgt_idx[static_cast<std::size_t>(k)][static_cast<std::size_t>(i * b.n_tgt_per_block + j)] ==
                s.targets[static_cast<std::size_t>(k)][static_cast<std::size_t>(j)]);
      }
    }
  }
}

}  // namespace

TEST_CASE("image_masker keeps its invariants on several grids and seeds", "[image_masker]") {
  for (auto [h, w] : {std::pair<std::int64_t, std::int64_t>{14, 14}, {16, 16}, {8, 8}, {7, 10}, {4, 4}}) {
    const auto c = grid(h, w);
    const image_masker masker(c);
    const std::int64_t n = h * w;
    const auto area_lo = static_cast<std::int64_t>(std::ceil(0.15 * n - 1e-9));
    const auto area_hi = static_cast<std::int64_t>(std::floor(0.20 * n + 1e-9));
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
      const auto d = masker.draw(8, seed);
      check_draw(c, d, 8);
      check_stack(d, image_masker::stack(d), c.target_blocks);
      // Target blocks lie within the scale bounds before truncation (every grid here admits one).
      CHECK(d.target_block.area() >= area_lo);
      CHECK(d.target_block.area() <= area_hi);
      if (h == w && n >= 49) {  // fine enough for the aspect bounds and a square context too
        const double aspect = static_cast<double>(d.target_block.height) / d.target_block.width;
        CHECK(aspect >= 0.75 - 1e-9);
        CHECK(aspect <= 1.5 + 1e-9);
        CHECK(d.context_block.height == d.context_block.width);
        CHECK(d.context_block.area() >= std::ceil(0.85 * n - 1e-9));
        for (const auto& s : d.samples) CHECK(static_cast<std::int64_t>(s.context.size()) >= c.min_keep);
      }
    }
  }
}

TEST_CASE("image_masker collate stacks to equal lengths", "[image_masker]") {
  const image_masker masker;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto b = masker.collate(16, seed);
    CHECK(b.batch == 16);
    CHECK(b.n_ctx >= 4);
    CHECK(b.n_tgt_per_block >= 30);
    CHECK(b.ctx_idx.size() == static_cast<std::size_t>(16 * b.n_ctx));
    REQUIRE(b.tgt_idx.size() == 4);
    for (const auto& t : b.tgt_idx) CHECK(t.size() == static_cast<std::size_t>(16 * b.n_tgt_per_block));
    for (auto p : b.ctx_idx) CHECK((p >= 0 && p < 196));
    // After truncation a row's context still avoids that row's targets.
    for (std::int64_t i = 0; i < 16; ++i) {
      std::set<std::int64_t> tg;
      for (const auto& t : b.tgt_idx) {
        tg.insert(t.begin() + i * b.n_tgt_per_block, t.begin() + (i + 1) * b.n_tgt_per_block);
      }
      for (std::int64_t j = 0; j < b.n_ctx; ++j)
        CHECK(tg.count(b.ctx_idx[static_cast<std::size_t>(i * b.n_ctx + j)]) == 0);
    }
  }
  CHECK(masker.collate(0, 1).batch == 0);
}

TEST_CASE("image_masker is reproducible by seed", "[image_masker]") {
  const image_masker masker;
  std::set<std::vector<std::int64_t>> distinct;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const auto a = masker.collate(4, seed);
    const auto b = masker.collate(4, seed);
    CHECK(a.ctx_idx == b.ctx_idx);
    CHECK(a.tgt_idx == b.tgt_idx);
    std::vector<std::int64_t> key = a.ctx_idx;
    for (const auto& t : a.tgt_idx) key.insert(key.end(), t.begin(), t.end());
    distinct.insert(key);
  }
  CHECK(distinct.size() == 10);
}

TEST_CASE("image_masker picks block sizes within the bounds", "[image_masker]") {
  const image_masker masker;  // 14 × 14
  // Rounding the drawn size, as I-JEPA does, would give 8 × 5 = 40 > 39 patches here.
  const auto b = masker.block_for(0.2, 1.5, 0.15, 0.2, 0.75, 1.5);
  CHECK(b.area() <= 39);
  CHECK(b.area() >= 30);
  CHECK(static_cast<double>(b.height) / b.width <= 1.5);
  const auto ctx = masker.block_for(1.0, 1.0, 0.85, 1.0, 1.0, 1.0);
  CHECK(ctx.height == 14);
  CHECK(ctx.width == 14);
  const auto small = masker.block_for(0.86, 1.0, 0.85, 1.0, 1.0, 1.0);
  CHECK(small.height == 13);
  CHECK(small.width == 13);
}

TEST_CASE("image_masker falls back to the targets' complement when the context stays small", "[image_masker]") {
  auto c = grid(6, 6);
  c.min_keep = 36;  // unreachable once any target is removed
  c.max_tries = 3;
  const image_masker masker(c);
  const auto d = masker.draw(5, 9);
  check_draw(c, d, 5);
  for (const auto& s : d.samples) {
    std::set<std::int64_t> tg;
    for (const auto& t : s.targets) tg.insert(t.begin(), t.end());
    CHECK(s.context.size() + tg.size() == 36);
  }
}

TEST_CASE("image_masker rejects inconsistent configurations", "[image_masker]") {
  auto c = grid(0, 14);
  CHECK_THROWS_AS(image_masker(c), std::invalid_argument);
  c = grid(14, 14);
  c.target_scale_min = 0.3;
  CHECK_THROWS_AS(image_masker(c), std::invalid_argument);
  c = grid(14, 14);
  c.context_scale_max = 1.2;
  CHECK_THROWS_AS(image_masker(c), std::invalid_argument);
  c = grid(14, 14);
  c.target_blocks = 0;
  CHECK_THROWS_AS(image_masker(c), std::invalid_argument);
}
