#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/byte_tokenizer.hpp"

using atn::byte_tokenizer;
using tokens = std::vector<std::int64_t>;

TEST_CASE("byte_tokenizer maps bytes and specials to fixed ids", "[tokenizer]") {
  CHECK(byte_tokenizer::vocab_size == 260);
  CHECK(byte_tokenizer::encode("") == tokens{1, 2});
  CHECK(byte_tokenizer::encode("", false).empty());
  CHECK(byte_tokenizer::encode("Ab") == tokens{1, 'A' + 4, 'b' + 4, 2});
  CHECK(byte_tokenizer::encode("Ab", false) == tokens{'A' + 4, 'b' + 4});
  const std::string all_bytes = [] {
    std::string s;
    for (int b = 0; b < 256; ++b) s.push_back(static_cast<char>(b));
    return s;
  }();
  const auto t = byte_tokenizer::encode(all_bytes, false);
  REQUIRE(t.size() == 256);
  for (int b = 0; b < 256; ++b) CHECK(t[static_cast<std::size_t>(b)] == b + 4);
}

TEST_CASE("byte_tokenizer round-trips UTF-8 text", "[tokenizer]") {
  for (const std::string text : {"", "hello, world", "日本語テスト", "emoji 🙂 and ü", "a\nb\tc"}) {
    CHECK(byte_tokenizer::decode(byte_tokenizer::encode(text)) == text);
    CHECK(byte_tokenizer::decode(byte_tokenizer::encode(text, false)) == text);
  }
}

TEST_CASE("byte_tokenizer decode skips specials and replaces invalid UTF-8", "[tokenizer]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(byte_tokenizer::decode(tokens{1, 'h' + 4, 0, 3, 'i' + 4, 2, 0, 0}) == "hi");
  // A lone continuation byte, a truncated sequence, an overlong form, a surrogate.
  CHECK(byte_tokenizer::decode(byte_tokenizer::encode("a\x80z")) == "a" + fffd + "z");
  CHECK(byte_tokenizer::decode(byte_tokenizer::encode("\xE6\x97")) == fffd);
  CHECK(byte_tokenizer::decode(byte_tokenizer::encode("\xC0\xAF")) == fffd + fffd);
  CHECK(byte_tokenizer::decode(byte_tokenizer::encode("\xED\xA0\x80")) == fffd + fffd + fffd);
  CHECK(byte_tokenizer::decode(byte_tokenizer::encode("\xF5x")) == fffd + "x");
  // A truncated character followed by a valid one: one replacement, then the valid character.
  CHECK(byte_tokenizer::decode(byte_tokenizer::encode("\xE6\x97日")) == fffd + "日");
  // Ids outside the vocabulary.
  CHECK(byte_tokenizer::decode(tokens{'o' + 4, 260, -5, 'k' + 4}) == "o" + fffd + fffd + "k");
}

TEST_CASE("byte_tokenizer windows short texts into one window", "[tokenizer]") {
  const auto w = byte_tokenizer::windows("short", 16);
  REQUIRE(w.size() == 1);
  CHECK(w[0] == byte_tokenizer::encode("short"));
  const auto exact = byte_tokenizer::windows("0123456789abcd", 16);  // 14 bytes = 16 - 2
  REQUIRE(exact.size() == 1);
  CHECK(exact[0].size() == 16);
  const auto empty = byte_tokenizer::windows("", 16);
  REQUIRE(empty.size() == 1);
  CHECK(empty[0] == tokens{1, 2});
}

TEST_CASE("byte_tokenizer windows cover every byte with overlap", "[tokenizer]") {
  std::string text;
  for (int i = 0; i < 1000; ++i) text.push_back(static_cast<char>('a' + (i * 7 + i / 26) % 26));
  for (std::size_t max_len : {3u, 4u, 10u, 64u, 130u}) {
    for (std::size_t stride : {0u, 1u, 5u, 8u}) {
      const std::size_t span = max_len - 2;
      if (stride > span) continue;
      const std::size_t effective = stride ? stride : std::max<std::size_t>(1, span / 2);
      const auto starts = byte_tokenizer::window_starts(text.size(), max_len, stride);
      const auto w = byte_tokenizer::windows(text, max_len, stride);
      REQUIRE(w.size() == starts.size());
      std::vector<int> covered(text.size(), 0);
      for (std::size_t i = 0; i < w.size(); ++i) {
        const auto& win = w[i];
        REQUIRE(win.size() <= max_len);
        REQUIRE(win.size() >= 3);
        CHECK(win.front() == byte_tokenizer::bos);
        CHECK(win.back() == byte_tokenizer::eos);
        // The window holds exactly the bytes from its start.
        const std::size_t s = starts[i];
        for (std::size_t j = 1; j + 1 < win.size(); ++j) {
          REQUIRE(win[j] == static_cast<unsigned char>(text[s + j - 1]) + 4);
          ++covered[s + j - 1];
        }
        if (i > 0) {
          CHECK(starts[i] > starts[i - 1]);
          CHECK(starts[i] - starts[i - 1] <= effective);
        }
        if (w.size() > 1) CHECK(win.size() == max_len);  // a long text fills every window
        if (i + 2 < w.size()) CHECK(starts[i + 1] - starts[i] == effective);
      }
      for (std::size_t b = 0; b < text.size(); ++b) REQUIRE(covered[b] >= 1);
      CHECK(starts.back() + span == text.size());  // the last window ends at the last byte
      if (effective < span) {
        // Windows overlap: some bytes are seen twice.
        CHECK(*std::max_element(covered.begin(), covered.end()) >= 2);
      }
    }
  }
}

TEST_CASE("byte_tokenizer windows use the default stride of half a window", "[tokenizer]") {
  const auto starts = byte_tokenizer::window_starts(100, 22, 0);  // 20 bytes a window
  REQUIRE(starts.size() >= 2);
  CHECK(starts[0] == 0);
  CHECK(starts[1] == 10);
  CHECK(starts.back() == 80);
}

TEST_CASE("byte_tokenizer rejects windows that would skip bytes", "[tokenizer]") {
  CHECK_THROWS_AS(byte_tokenizer::window_starts(10, 2), std::invalid_argument);
  CHECK_THROWS_AS(byte_tokenizer::window_starts(100, 10, 9), std::invalid_argument);
  CHECK_NOTHROW(byte_tokenizer::window_starts(100, 10, 8));
}

TEST_CASE("byte_tokenizer pad_batch pads with PAD and marks valid tokens", "[tokenizer]") {
  const std::vector<tokens> seqs = {byte_tokenizer::encode("abc"), byte_tokenizer::encode(""),
                                    byte_tokenizer::encode("hello")};
  const auto b = byte_tokenizer::pad_batch(seqs);
  CHECK(b.batch == 3);
  CHECK(b.length == 7);
  CHECK(b.lengths == tokens{5, 2, 7});
  REQUIRE(b.tokens.size() == 21);
  REQUIRE(b.valid.size() == 21);
  for (std::size_t r = 0; r < seqs.size(); ++r) {
    for (std::size_t c = 0; c < 7; ++c) {
      const bool real = c < seqs[r].size();
      CHECK(b.valid[r * 7 + c] == (real ? 1 : 0));
      CHECK(b.tokens[r * 7 + c] == (real ? seqs[r][c] : byte_tokenizer::pad));
    }
  }
  const auto wide = byte_tokenizer::pad_batch(seqs, 10);
  CHECK(wide.length == 10);
  CHECK(wide.tokens.size() == 30);
  CHECK(wide.valid[29] == 0);
  CHECK_THROWS_AS(byte_tokenizer::pad_batch(seqs, 6), std::invalid_argument);
}
