// Byte-level tokenizer: every byte is a token, so no text is ever out of vocabulary (torch-free).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// Sequences padded to one length, row-major, ready to become [batch, length] tensors.
struct token_batch {
  std::int64_t batch = 0;
  std::int64_t length = 0;
  std::vector<std::int64_t> tokens;   ///< batch × length; PAD after each sequence's end.
  std::vector<std::uint8_t> valid;    ///< batch × length; 1 for a real token, 0 for padding.
  std::vector<std::int64_t> lengths;  ///< batch; real tokens per row.
};

/// Maps text to tokens: PAD 0, BOS 1, EOS 2, UNK 3, byte b → b + 4 (vocabulary 260).
///
/// Long texts are cut into overlapping windows. Each window is `BOS, bytes…, EOS`, so every window
/// is a self-contained sequence of at most `max_seq_length` tokens holding up to
/// `max_seq_length − 2` bytes. Consecutive windows start `stride` bytes apart (default: half a
/// window's bytes) and the last window ends at the text's last byte, so every byte lies in at
/// least one window: nothing is silently truncated. Windows cut at byte boundaries, which may split
/// a UTF-8 character; that is harmless to a byte model.
class byte_tokenizer {
 public:
  static constexpr std::int64_t pad = 0;
  static constexpr std::int64_t bos = 1;
  static constexpr std::int64_t eos = 2;
  static constexpr std::int64_t unk = 3;
  static constexpr std::int64_t byte_offset = 4;  ///< byte b is token b + byte_offset.
  static constexpr std::int64_t vocab_size = 260;

  /// True for PAD, BOS, EOS and UNK.
  static constexpr bool is_special(std::int64_t token) { return token >= 0 && token < byte_offset; }

  /// The tokens of `text`: one per byte, between BOS and EOS when `specials`. "" gives [BOS, EOS].
  static std::vector<std::int64_t> encode(std::string_view text, bool specials = true);

  /// Appends the tokens of `text` (no specials) to `out`.
  static void encode_append(std::string_view text, std::vector<std::int64_t>& out);

  /// The text of `tokens`: specials are skipped; ids outside the vocabulary and byte sequences that
  /// are not valid UTF-8 become U+FFFD (one per maximal invalid subpart, as Unicode recommends).
  static std::string decode(const std::int64_t* tokens, std::size_t count);

  /// The text of `tokens` (see the pointer overload).
  static std::string decode(const std::vector<std::int64_t>& tokens) { return decode(tokens.data(), tokens.size()); }

  /// Byte offsets at which the windows of a text of `text_bytes` bytes start (see the class
  /// comment); window i covers [starts[i], min(starts[i] + max_seq_length − 2, text_bytes)).
  /// A text that fits gives {0}; so does the empty text. `stride` 0 means the default,
  /// max(1, (max_seq_length − 2) / 2). Throws std::invalid_argument when max_seq_length < 3 or
  /// stride exceeds max_seq_length − 2 (that would skip bytes).
  static std::vector<std::size_t> window_starts(std::size_t text_bytes, std::size_t max_seq_length,
                                                std::size_t stride = 0);

  /// The windows of `text` as token sequences, each `BOS, bytes…, EOS` with at most
  /// `max_seq_length` tokens (see window_starts for `stride` and the errors).
  static std::vector<std::vector<std::int64_t>> windows(std::string_view text, std::size_t max_seq_length,
                                                        std::size_t stride = 0);

  /// Pads `sequences` with PAD to `length` tokens each (0: the longest sequence's length) and
  /// marks the real tokens in `valid`. Throws std::invalid_argument when a sequence is longer than
  /// `length`: cutting it here would drop text silently (use windows first).
  static token_batch pad_batch(const std::vector<std::vector<std::int64_t>>& sequences, std::size_t length = 0);
};

}  // namespace atn
