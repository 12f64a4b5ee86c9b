#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "model/byte_tokenizer.hpp"
#include "model/rng.hpp"
#include "model/text_masker.hpp"

using atn::byte_tokenizer;
using atn::text_mask;
using atn::text_mask_mode;
using atn::text_masker;
using atn::text_masker_config;
using tokens = std::vector<std::int64_t>;

namespace {

std::string random_text(std::size_t n, std::uint64_t seed) {
  atn::rng gen(seed);
  std::string s(n, ' ');
  for (auto& c : s) c = static_cast<char>('a' + gen.below(26));
  return s;
}

std::vector<std::int64_t> all_targets(const text_mask& m) {
  std::vector<std::int64_t> out;
  for (const auto& g : m.targets) out.insert(out.end(), g.begin(), g.end());
  std::sort(out.begin(), out.end());
  return out;
}

// Invariants every mode keeps for tokens[0, valid).
void check_common(const std::int64_t* t, std::int64_t valid, const text_mask& m, const text_masker_config& c) {
  REQUIRE(m.targets.size() == static_cast<std::size_t>(c.groups));
  for (const auto& g : m.targets) REQUIRE(std::is_sorted(g.begin(), g.end()));
  REQUIRE(std::is_sorted(m.context.begin(), m.context.end()));
  const auto tg = all_targets(m);
  REQUIRE(std::adjacent_find(tg.begin(), tg.end()) == tg.end());  // no position twice
  std::set<std::int64_t> ctx(m.context.begin(), m.context.end());
  REQUIRE(ctx.size() == m.context.size());
  for (auto p : tg) {
    REQUIRE(p >= 0);
    REQUIRE(p < valid);
    REQUIRE_FALSE(byte_tokenizer::is_special(t[p]));  // never BOS/EOS/PAD
    REQUIRE(ctx.count(p) == 0);                       // context ∩ targets = ∅
  }
  std::int64_t real = 0;
  for (std::int64_t p = 0; p < valid; ++p) real += t[p] != byte_tokenizer::pad;
  for (auto p : m.context) {
    REQUIRE(p >= 0);
    REQUIRE(p < valid);
    REQUIRE(t[p] != byte_tokenizer::pad);
  }
  // Every real token is context or target.
  REQUIRE(static_cast<std::int64_t>(m.context.size() + tg.size()) == real);
  std::int64_t from_spans = 0, prev_end = -1;
  for (const auto& s : m.spans) {
    REQUIRE(s.begin >= 0);
    REQUIRE(s.begin < s.end);
    REQUIRE(s.end <= valid);
    REQUIRE(s.begin > prev_end);  // disjoint, ordered, never touching
    REQUIRE(s.group >= 0);
    REQUIRE(s.group < c.groups);
    prev_end = s.end;
    for (std::int64_t p = s.begin; p < s.end; ++p) {
      if (byte_tokenizer::is_special(t[p])) continue;
      ++from_spans;
      const auto& g = m.targets[static_cast<std::size_t>(s.group)];
      REQUIRE(std::binary_search(g.begin(), g.end(), p));
    }
  }
  REQUIRE(from_spans == static_cast<std::int64_t>(tg.size()));
}

// Span-mode invariants: span lengths and the masked ratio.
void check_span_mode(const std::int64_t* t, std::int64_t valid, const text_mask& m, const text_masker_config& c) {
  check_common(t, valid, m, c);
  std::int64_t real = 0;
  for (std::int64_t p = 0; p < valid; ++p) real += t[p] != byte_tokenizer::pad;
  const std::int64_t masked = m.target_count();
  if (real < 12) {  // 25 % of fewer than 12 tokens is shorter than the 3-token minimum span
    REQUIRE(masked == 0);
    REQUIRE(m.spans.empty());
    REQUIRE(static_cast<std::int64_t>(m.context.size()) == real);
    return;
  }
  REQUIRE(masked > 0);
  REQUIRE(static_cast<double>(masked) >= std::ceil(c.min_ratio * real - 1e-9));
  REQUIRE(static_cast<double>(masked) <= std::floor(c.max_ratio * real + 1e-9));
  for (const auto& s : m.spans) {
    REQUIRE(s.end - s.begin >= c.min_span);
    REQUIRE(s.end - s.begin <= c.max_span);
  }
  if (real >= 80) {  // enough for at least one span per group
    for (const auto& g : m.targets) REQUIRE_FALSE(g.empty());
  }
}

std::vector<std::int64_t> line_positions(const std::string& text, const std::string& prefix) {
  // Positions (in encode(text) numbering: byte i is position i + 1) of every byte of the lines
  // that start with `prefix`, newline excluded.
  std::vector<std::int64_t> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    if (text.compare(begin, prefix.size(), prefix) == 0) {
      for (std::size_t i = begin; i < end; ++i) out.push_back(static_cast<std::int64_t>(i) + 1);
    }
    begin = end + 1;
  }
  return out;
}

const std::string dialogue =
    "[user] check my calendar for tomorrow please, I need to plan the morning\n"
    "[assistant] I'll use the calendar tool to look at tomorrow's meetings.\n"
    "[tool:calendar_read] {\"day\":\"tomorrow\",\"calendar\":\"work\"}\n"
    "[step:read_calendar] 3 meetings: standup 9:00, design review 11:00, 1:1 at 15:00\n"
    "[user] thanks, move the design review to the afternoon if the room is free\n"
    "[assistant] Done: the design review is now at 14:00 in the same room.\n"
    "[tool:calendar_write] {\"event\":\"design review\",\"start\":\"14:00\"}\n"
    "[result] ok\n"
    "[user] great";

}  // namespace

TEST_CASE("text_masker span mode keeps its invariants over many lengths and seeds", "[text_masker]") {
  const text_masker_config c;
  const text_masker masker(c);
  for (std::size_t n = 0; n <= 260; ++n) {
    const auto t = byte_tokenizer::encode(random_text(n, n));
    for (std::uint64_t seed = 0; seed < 12; ++seed) {
      atn::rng gen(seed * 1000 + n);
      const auto m = masker.mask(t.data(), static_cast<std::int64_t>(t.size()), gen);
      check_span_mode(t.data(), static_cast<std::int64_t>(t.size()), m, c);
    }
  }
  for (std::size_t n : {1022u, 2046u}) {
    const auto t = byte_tokenizer::encode(random_text(n, 7));
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      const auto m = masker.mask(t, seed);
      check_span_mode(t.data(), static_cast<std::int64_t>(t.size()), m, c);
    }
  }
}

TEST_CASE("text_masker honours other span and ratio settings", "[text_masker]") {
  text_masker_config c;
  c.min_span = 5;
  c.max_span = 5;
  c.min_ratio = 0.3;
  c.max_ratio = 0.4;
  c.groups = 2;
  const text_masker masker(c);
  const auto t = byte_tokenizer::encode(random_text(500, 3));
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    const auto m = masker.mask(t, seed);
    check_common(t.data(), static_cast<std::int64_t>(t.size()), m, c);
    const double ratio = static_cast<double>(m.target_count()) / static_cast<double>(t.size());
    CHECK(ratio >= 0.3 - 1e-9);
    CHECK(ratio <= 0.4 + 1e-9);
    for (const auto& s : m.spans) CHECK(s.end - s.begin == 5);
  }
}

TEST_CASE("text_masker gives too-short sequences no targets", "[text_masker]") {
  const text_masker masker;
  for (const std::string text : {"", "hi", "0123456789"}) {  // 2, 4 and 12 tokens; 12 just allows one span
    const auto t = byte_tokenizer::encode(text);
    const auto m = masker.mask(t, 5);
    if (t.size() < 12) {
      CHECK(m.target_count() == 0);
      CHECK(m.context.size() == t.size());
    } else {
      CHECK(m.target_count() == 3);
    }
  }
}

TEST_CASE("text_masker treats PAD inside the valid length as padding", "[text_masker]") {
  const text_masker masker;
  auto t = byte_tokenizer::encode(random_text(100, 4));
  t.resize(t.size() + 40, byte_tokenizer::pad);  // a padded row passed whole
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const auto m = masker.mask(t, seed);
    check_span_mode(t.data(), static_cast<std::int64_t>(t.size()), m, masker.config());
    CHECK(m.context.back() == 101);  // EOS; nothing after it
    CHECK(m.target_count() <= 25);   // the ratio counts real tokens only (102)
  }
}

TEST_CASE("text_masker is deterministic for a seed and varies with it", "[text_masker]") {
  const text_masker masker;
  const auto t = byte_tokenizer::encode(random_text(400, 11));
  std::set<std::vector<std::int64_t>> distinct;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto a = masker.mask(t, seed);
    const auto b = masker.mask(t, seed);
    CHECK(a.context == b.context);
    CHECK(a.targets == b.targets);
    distinct.insert(all_targets(a));
  }
  CHECK(distinct.size() == 20);
}

TEST_CASE("text_masker batches rows of different lengths without touching padding", "[text_masker]") {
  const text_masker masker;
  std::vector<tokens> seqs;
  for (std::size_t n : {300u, 0u, 9u, 64u, 150u, 10u, 298u}) {
    seqs.push_back(byte_tokenizer::encode(random_text(n, n + 1)));
  }
  const auto batch = byte_tokenizer::pad_batch(seqs);
  const auto mb = masker.mask_batch(batch, 42);
  REQUIRE(mb.batch == static_cast<std::int64_t>(seqs.size()));
  REQUIRE(mb.ctx_idx.size() == static_cast<std::size_t>(mb.batch * mb.n_ctx));
  REQUIRE(mb.ctx_valid.size() == mb.ctx_idx.size());
  REQUIRE(mb.tgt_idx.size() == static_cast<std::size_t>(mb.batch * mb.n_tgt));
  REQUIRE(mb.tgt_valid.size() == mb.tgt_idx.size());
  REQUIRE(mb.tgt_group.size() == mb.tgt_idx.size());
  std::int64_t max_ctx = 0, max_tgt = 0;
  for (std::size_t b = 0; b < seqs.size(); ++b) {
    const auto len = batch.lengths[b];
    const std::int64_t* row = batch.tokens.data() + b * static_cast<std::size_t>(batch.length);
    // The batch row equals the per-sample mask drawn from the row's own stream.
    atn::rng gen(atn::rng::derive(42, b));
    const auto m = masker.mask(row, len, gen);
    check_span_mode(row, len, m, masker.config());
    max_ctx = std::max<std::int64_t>(max_ctx, static_cast<std::int64_t>(m.context.size()));
    max_tgt = std::max(max_tgt, m.target_count());

    std::vector<std::int64_t> ctx, tgt;
    std::vector<std::int32_t> groups;
    for (std::int64_t i = 0; i < mb.n_ctx; ++i) {
      const auto at = b * static_cast<std::size_t>(mb.n_ctx) + static_cast<std::size_t>(i);
      if (mb.ctx_valid[at]) {
        REQUIRE(mb.ctx_idx[at] < len);
        ctx.push_back(mb.ctx_idx[at]);
      } else {
        REQUIRE(mb.ctx_idx[at] == 0);
      }
    }
    for (std::int64_t i = 0; i < mb.n_tgt; ++i) {
      const auto at = b * static_cast<std::size_t>(mb.n_tgt) + static_cast<std::size_t>(i);
      if (mb.tgt_valid[at]) {
        REQUIRE(mb.tgt_idx[at] < len);
        REQUIRE(row[mb.tgt_idx[at]] != byte_tokenizer::pad);
        tgt.push_back(mb.tgt_idx[at]);
        groups.push_back(mb.tgt_group[at]);
      } else {
        REQUIRE(mb.tgt_idx[at] == 0);
      }
    }
    CHECK(ctx == m.context);
    std::vector<std::int64_t> expected_tgt;
    std::vector<std::int32_t> expected_groups;
    for (std::size_t g = 0; g < m.targets.size(); ++g) {
      for (auto p : m.targets[g]) {
        expected_tgt.push_back(p);
        expected_groups.push_back(static_cast<std::int32_t>(g));
      }
    }
    CHECK(tgt == expected_tgt);
    CHECK(groups == expected_groups);
    if (len < 12) CHECK(tgt.empty());
  }
  CHECK(mb.n_ctx == max_ctx);
  CHECK(mb.n_tgt == max_tgt);

  // The raw overload agrees, and a different seed gives a different batch.
  const auto raw = masker.mask_batch(batch.tokens.data(), batch.batch, batch.length, batch.lengths.data(), 42);
  CHECK(raw.tgt_idx == mb.tgt_idx);
  CHECK(raw.ctx_idx == mb.ctx_idx);
  CHECK(masker.mask_batch(batch, 43).tgt_idx != mb.tgt_idx);
}

TEST_CASE("text_masker batch of sequences too short to mask has no target slots", "[text_masker]") {
  const text_masker masker;
  const auto batch = byte_tokenizer::pad_batch({byte_tokenizer::encode("ab"), byte_tokenizer::encode("")});
  const auto mb = masker.mask_batch(batch, 1);
  CHECK(mb.n_tgt == 0);
  CHECK(mb.tgt_idx.empty());
  CHECK(mb.n_ctx == 4);
  CHECK(mb.ctx_valid == std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 0, 0});
}

TEST_CASE("text_masker role modes mask exactly the matching lines", "[text_masker]") {
  const auto t = byte_tokenizer::encode(dialogue);
  struct expectation {
    text_mask_mode mode;
    std::vector<std::string> prefixes;
  };
  for (const auto& e : {expectation{text_mask_mode::role_tool, {"[tool:"}},
                        expectation{text_mask_mode::role_result, {"[step:", "[result"}},
                        expectation{text_mask_mode::role_assistant, {"[assistant]"}}}) {
    text_masker_config c;
    c.mode = e.mode;
    const text_masker masker(c);
    std::vector<std::int64_t> expected;
    for (const auto& p : e.prefixes) {
      const auto lines = line_positions(dialogue, p);
      expected.insert(expected.end(), lines.begin(), lines.end());
    }
    std::sort(expected.begin(), expected.end());
    REQUIRE_FALSE(expected.empty());
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
      const auto m = masker.mask(t, seed);
      check_common(t.data(), static_cast<std::int64_t>(t.size()), m, c);
      CHECK(all_targets(m) == expected);
    }
  }
}

TEST_CASE("text_masker turn mode masks whole turns only", "[text_masker]") {
  text_masker_config c;
  c.mode = text_mask_mode::turn;
  const text_masker masker(c);
  const auto t = byte_tokenizer::encode(dialogue);
  const auto real = static_cast<double>(t.size());
  std::set<std::int64_t> turn_bytes;
  for (const char* p : {"[user]", "[assistant]", "[system]"}) {
    for (auto pos : line_positions(dialogue, p)) turn_bytes.insert(pos);
  }
  // Every turn line as [begin, end) positions.
  std::vector<std::pair<std::int64_t, std::int64_t>> lines;
  for (auto p : turn_bytes) {
    if (!lines.empty() && lines.back().second == p) {
      ++lines.back().second;
    } else {
      lines.emplace_back(p, p + 1);
    }
  }
  REQUIRE(lines.size() == 5);
  std::set<std::vector<std::int64_t>> distinct;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    const auto m = masker.mask(t, seed);
    check_common(t.data(), static_cast<std::int64_t>(t.size()), m, c);
    REQUIRE_FALSE(m.spans.empty());
    for (const auto& s : m.spans) {
      // A span is one whole turn line: it starts after a newline (or BOS) and ends at one (or EOS).
      const auto line_start = static_cast<std::size_t>(s.begin - 1);
      const auto line_end = static_cast<std::size_t>(s.end - 1);
      CHECK((line_start == 0 || dialogue[line_start - 1] == '\n'));
      CHECK((line_end == dialogue.size() || dialogue[line_end] == '\n'));
      for (std::int64_t p = s.begin; p < s.end; ++p) CHECK(turn_bytes.count(p) == 1);
    }
    const auto masked = m.target_count();
    CHECK(masked <= static_cast<std::int64_t>(std::floor(0.25 * real)));
    if (masked < static_cast<std::int64_t>(std::ceil(0.15 * real))) {
      // Short of the minimum only when no further whole turn fits under the maximum.
      for (const auto& l : lines) {
        const bool taken =
            std::any_of(m.spans.begin(), m.spans.end(), [&](const atn::text_span& s) { return s.begin == l.first; });
        if (!taken) CHECK(masked + (l.second - l.first) > std::floor(0.25 * real));
      }
    }
    distinct.insert(all_targets(m));
  }
  CHECK(distinct.size() > 3);  // different seeds pick different turns
}

TEST_CASE("text_masker line modes fall back to spans when no line qualifies", "[text_masker]") {
  text_masker_config c;
  c.mode = text_mask_mode::role_tool;
  const std::string no_tools =
      "[user] what's the weather like in Lisbon this weekend, and should I pack a coat?\n"
      "[assistant] Mild and sunny, around 22 degrees; a light jacket is enough.";
  const std::string only_tools = "[tool:search] {\"q\":\"weather in Lisbon this weekend please\"}";
  for (const auto& text : {no_tools, only_tools}) {
    const auto t = byte_tokenizer::encode(text);
    c.span_fallback = true;
    const auto m = text_masker(c).mask(t, 3);
    check_span_mode(t.data(), static_cast<std::int64_t>(t.size()), m, c);
    CHECK(m.target_count() > 0);
    CHECK_FALSE(m.context.size() <= 2);  // a line mode never hides every byte
    c.span_fallback = false;
    const auto none = text_masker(c).mask(t, 3);
    CHECK(none.target_count() == 0);
    CHECK(none.context.size() == t.size());
  }
}

TEST_CASE("text_masker modes parse and configurations are checked", "[text_masker]") {
  for (auto mode : {text_mask_mode::span, text_mask_mode::turn, text_mask_mode::role_tool, text_mask_mode::role_result,
                    text_mask_mode::role_assistant}) {
    CHECK(atn::parse_text_mask_mode(atn::to_string(mode)) == mode);
  }
  CHECK_FALSE(atn::parse_text_mask_mode("spans").has_value());
  text_masker_config bad;
  bad.max_span = 2;
  CHECK_THROWS_AS(text_masker(bad), std::invalid_argument);
  bad = {};
  bad.min_ratio = 0.3;
  CHECK_THROWS_AS(text_masker(bad), std::invalid_argument);
  bad = {};
  bad.groups = 0;
  CHECK_THROWS_AS(text_masker(bad), std::invalid_argument);
}
