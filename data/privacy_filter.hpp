// Privacy exclusions and PII scrubbing, applied to every record before it is tokenized or stored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// What to keep out of training data.
struct privacy_config {
  /// Case-insensitive (ASCII) substrings; a turn or execution record whose text contains any of
  /// them is dropped whole. Plain substrings, not regular expressions.
  std::vector<std::string> exclusion_patterns;
  /// Replace e-mail addresses, card numbers, US SSNs and phone numbers by placeholders.
  bool scrub_pii = true;
};

/// Applies a privacy_config. Immutable after construction, so one instance may be shared by
/// threads. The scrubber is a set of hand-written linear-time scanners (no std::regex).
class privacy_filter {
 public:
  privacy_filter() = default;
  explicit privacy_filter(privacy_config config);

  /// True if `text` contains one of the exclusion patterns (ASCII case-insensitive).
  bool excluded(std::string_view text) const;

  /// `text` with PII replaced: "[EMAIL_REDACTED]", "[CC_REDACTED]" (13-19 digits, single spaces
  /// or dashes between digits, Luhn-valid), "[SSN_REDACTED]" (ddd-dd-dddd, or with spaces or dots) and "[PHONE_REDACTED]"
  /// ("+" and 8-15 digits in groups, or North American "(415) 555-0100", "415-555-0100",
  /// "415.555.0100", "415 555 0100", optionally after "1 "/"1-"). Unchanged if scrubbing is off.
  std::string scrub(std::string_view text) const;

  const privacy_config& config() const { return config_; }

 private:
  privacy_config config_;
  std::vector<std::string> lowered_patterns_;
};

}  // namespace atn
