// Text masking for the JEPA objective: which tokens the context encoder sees and which the
// predictor must reconstruct in latent space (torch-free; the model turns the indices into tensors).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "model/byte_tokenizer.hpp"
#include "model/rng.hpp"

namespace atn {

/// What a target is. `span` is the default; the line modes are a curriculum option.
///
/// Lines are the `\n`-separated lines of the rendered ATN text; a line is recognised by its first
/// bytes (right after BOS or a newline):
/// - `turn`: whole conversation turns, lines beginning `[user]`, `[assistant]` or `[system]`;
/// - `role_tool`: every tool call, lines beginning `[tool:`;
/// - `role_result`: every result, lines beginning `[step:` (an agent step's output) or `[result`;
/// - `role_assistant`: every assistant turn, lines beginning `[assistant]`.
/// A masked line is masked whole, from its first byte up to (not including) its newline.
enum class text_mask_mode { span, turn, role_tool, role_result, role_assistant };

/// The mode named `name` ("span", "turn", "role_tool", "role_result", "role_assistant").
std::optional<text_mask_mode> parse_text_mask_mode(std::string_view name);

/// The name of `mode`.
std::string_view to_string(text_mask_mode mode);

/// Masking parameters. Ratios are fractions of a sequence's real (non-pad) tokens.
struct text_masker_config {
  std::int64_t min_span = 3;   ///< shortest span, tokens.
  std::int64_t max_span = 15;  ///< longest span, tokens.
  double min_ratio = 0.15;     ///< fewest masked tokens, as a fraction of the real tokens.
  double max_ratio = 0.25;     ///< most masked tokens, as a fraction of the real tokens.
  std::int64_t groups = 4;     ///< target groups the spans are spread over.
  text_mask_mode mode = text_mask_mode::span;
  /// In a line mode, a sequence without a usable line (none matches, or masking them would hide
  /// every token) is span-masked instead of giving no targets.
  bool span_fallback = true;
};

/// One target span: positions [begin, end) of the sequence, all masked, in group `group`.
struct text_span {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int32_t group = 0;
};

/// The mask of one sequence. Positions index the sequence (padding included in the numbering).
struct text_mask {
  std::vector<std::int64_t> context;               ///< visible real tokens, ascending.
  std::vector<std::vector<std::int64_t>> targets;  ///< `groups` lists of masked positions, ascending.
  std::vector<text_span> spans;                    ///< the spans (or lines) in position order.

  /// Masked positions over all groups.
  std::int64_t target_count() const;
};

/// A batch of masks as flat, padded index lists, ready to become [batch, n] tensors.
/// Entries past a row's real count hold 0 and are flagged 0 in the matching `*_valid`.
/// `n_tgt` is 0 when no sequence of the batch had targets.
struct text_mask_batch {
  std::int64_t batch = 0;
  std::int64_t n_ctx = 0;               ///< most context positions of any row.
  std::int64_t n_tgt = 0;               ///< most target positions of any row.
  std::vector<std::int64_t> ctx_idx;    ///< batch × n_ctx positions.
  std::vector<std::uint8_t> ctx_valid;  ///< batch × n_ctx.
  std::vector<std::int64_t> tgt_idx;    ///< batch × n_tgt positions, group by group.
  std::vector<std::uint8_t> tgt_valid;  ///< batch × n_tgt.
  std::vector<std::int32_t> tgt_group;  ///< batch × n_tgt target group of each position.
};

/// Chooses context and targets per sequence.
///
/// Real tokens are the positions below the valid length that are not PAD. Specials (BOS, EOS, UNK)
/// may be context but are never targets; padding is neither. In span mode, per sequence: a masked
/// count is drawn uniformly from [⌈min_ratio·n⌉, ⌊max_ratio·n⌋] (n = real tokens), split into
/// spans of min_span…max_span tokens (at least `groups` spans where the count allows), and the spans
/// are placed at random with at least one visible token between two spans; the spans are dealt to
/// the groups at random, evenly. A sequence too short for one span within the ratio bounds gets
/// no targets and all its real tokens as context.
///
/// In `turn` mode whole turns are taken in random order, each only if it keeps the mask within
/// max_ratio, until at least min_ratio is masked (whole turns may leave it short of that); when no
/// turn fits at all, the shortest one is masked alone. The role modes mask every matching line regardless of the
/// ratio. A line mode never masks every maskable token; lines are dealt to the groups at random.
///
/// Deterministic: the same tokens and seed give the same mask on every platform.
class text_masker {
 public:
  /// Throws std::invalid_argument naming the field when the configuration is inconsistent.
  explicit text_masker(text_masker_config config = {});

  const text_masker_config& config() const { return config_; }

  /// The mask of `tokens[0, valid_length)`, drawing from `gen`.
  text_mask mask(const std::int64_t* tokens, std::int64_t valid_length, rng& gen) const;

  /// The mask of a whole sequence (every token up to its size is valid) for `seed`.
  text_mask mask(const std::vector<std::int64_t>& tokens, std::uint64_t seed) const;

  /// Masks every row of a padded batch: row b uses the stream rng::derive(seed, b), so a row's mask
  /// depends only on its tokens, the seed and b.
  text_mask_batch mask_batch(const token_batch& batch, std::uint64_t seed) const;

  /// As above for raw arrays: `tokens` is batch × length, `valid_lengths` has batch entries.
  text_mask_batch mask_batch(const std::int64_t* tokens, std::int64_t batch, std::int64_t length,
                             const std::int64_t* valid_lengths, std::uint64_t seed) const;

  /// Flattens per-row masks into the padded batch layout.
  static text_mask_batch collate(const std::vector<text_mask>& masks);

 private:
  bool mask_spans(const std::int64_t* tokens, std::int64_t valid_length, rng& gen, std::vector<text_span>& spans) const;
  bool mask_lines(const std::int64_t* tokens, std::int64_t valid_length, rng& gen, std::vector<text_span>& spans) const;

  text_masker_config config_;
};

}  // namespace atn
