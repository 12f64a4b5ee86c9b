#include "model/byte_tokenizer.hpp"

#include <algorithm>
#include <stdexcept>

namespace atn {

namespace {

// 0xFF never occurs in UTF-8, so it stands in for ids outside the vocabulary.
constexpr unsigned char invalid_byte = 0xFF;

void append_replacement(std::string& out) { out.append("\xEF\xBF\xBD"); }

// Copies `raw` to `out`, replacing each maximal invalid subpart with U+FFFD.
void sanitize_utf8(const std::string& raw, std::string& out) {
  const std::size_t n = raw.size();
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    int need = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c == 0xE0) {
      need = 2, lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      need = 2;
    } else if (c == 0xED) {
      need = 2, hi = 0x9F;  // no UTF-16 surrogates
    } else if (c == 0xF0) {
      need = 3, lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      need = 3;
    } else if (c == 0xF4) {
      need = 3, hi = 0x8F;  // nothing above U+10FFFF
    } else {
      append_replacement(out);
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    for (int k = 0; k < need && j < n; ++k, ++j) {
      const auto b = static_cast<unsigned char>(raw[j]);
      if (b < lo || b > hi) break;
      lo = 0x80, hi = 0xBF;
    }
    if (j - i == static_cast<std::size_t>(need) + 1) {
      out.append(raw, i, j - i);
    } else {
      append_replacement(out);
    }
    i = j;
  }
}

}  // namespace

void byte_tokenizer::encode_append(std::string_view text, std::vector<std::int64_t>& out) {
  const std::size_t base = out.size();
  out.resize(base + text.size());
  std::int64_t* dst = out.data() + base;
  for (std::size_t i = 0; i < text.size(); ++i) {
    dst[i] = static_cast<std::int64_t>(static_cast<unsigned char>(text[i])) + byte_offset;
  }
}

std::vector<std::int64_t> byte_tokenizer::encode(std::string_view text, bool specials) {
  std::vector<std::int64_t> out;
  out.reserve(text.size() + 2);
  if (specials) out.push_back(bos);
  encode_append(text, out);
  if (specials) out.push_back(eos);
  return out;
}

std::string byte_tokenizer::decode(const std::int64_t* tokens, std::size_t count) {
  std::string raw;
  raw.reserve(count);
  bool ascii = true;
  for (std::size_t i = 0; i < count; ++i) {
    const std::int64_t t = tokens[i];
    if (is_special(t)) continue;
    if (t < 0 || t >= vocab_size) {
      raw.push_back(static_cast<char>(invalid_byte));
      ascii = false;
      continue;
    }
    const auto b = static_cast<unsigned char>(t - byte_offset);
    ascii = ascii && b < 0x80;
    raw.push_back(static_cast<char>(b));
  }
  if (ascii) return raw;
  std::string out;
  out.reserve(raw.size() + 8);
  sanitize_utf8(raw, out);
  return out;
}

std::vector<std::size_t> byte_tokenizer::window_starts(std::size_t text_bytes, std::size_t max_seq_length,
                                                       std::size_t stride) {
  if (max_seq_length < 3) {
    throw std::invalid_argument(
        "byte_tokenizer: max_seq_length must be at least 3 (BOS, a byte, "
        "EOS), got " +
        std::to_string(max_seq_length));
  }
  const std::size_t span = max_seq_length - 2;
  if (stride == 0) stride = std::max<std::size_t>(1, span / 2);
  if (stride > span) {
    throw std::invalid_argument("byte_tokenizer: stride " + std::to_string(stride) + " exceeds the " +
                                std::to_string(span) + " bytes of a window and would skip bytes");
  }
  std::vector<std::size_t> starts;
  if (text_bytes <= span) {
    starts.push_back(0);
    return starts;
  }
  starts.reserve((text_bytes - span) / stride + 2);
  std::size_t s = 0;
  for (; s + span < text_bytes; s += stride) starts.push_back(s);
  // The last window ends exactly at the text's end: it is full and covers the tail.
  starts.push_back(text_bytes - span);
  return starts;
}

std::vector<std::vector<std::int64_t>> byte_tokenizer::windows(std::string_view text, std::size_t max_seq_length,
                                                               std::size_t stride) {
  const auto starts = window_starts(text.size(), max_seq_length, stride);
  const std::size_t span = max_seq_length - 2;
  std::vector<std::vector<std::int64_t>> out;
  out.reserve(starts.size());
  for (std::size_t s : starts) {
    const std::size_t n = std::min(span, text.size() - s);
    std::vector<std::int64_t> w;
    w.reserve(n + 2);
    w.push_back(bos);
    encode_append(text.substr(s, n), w);
    w.push_back(eos);
    out.push_back(std::move(w));
  }
  return out;
}

token_batch byte_tokenizer::pad_batch(const std::vector<std::vector<std::int64_t>>& sequences, std::size_t length) {
  std::size_t longest = 0;
  for (const auto& s : sequences) longest = std::max(longest, s.size());
  if (length == 0) length = longest;
  if (longest > length) {
    throw std::invalid_argument("byte_tokenizer: a sequence of " + std::to_string(longest) +
                                " tokens does not fit a batch of length " + std::to_string(length));
  }
  token_batch b;
  b.batch = static_cast<std::int64_t>(sequences.size());
  b.length = static_cast<std::int64_t>(length);
  b.tokens.assign(sequences.size() * length, pad);
  b.valid.assign(sequences.size() * length, 0);
  b.lengths.reserve(sequences.size());
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const auto& s = sequences[i];
    std::copy(s.begin(), s.end(), b.tokens.begin() + static_cast<std::ptrdiff_t>(i * length));
    std::fill_n(b.valid.begin() + static_cast<std::ptrdiff_t>(i * length), s.size(), 1);
    b.lengths.push_back(static_cast<std::int64_t>(s.size()));
  }
  return b;
}

}  // namespace atn
