// ATN amounts: exact unsigned integers in the smallest unit (1 ATN = 10^18 units), 256 bits wide like
// an ERC-20 balance. Never floating point; an overflow or an underflow throws amount_error instead of
// wrapping.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace atn::ledger {

/// 256-bit unsigned with checked arithmetic (boost throws on overflow and on a negative result).
using uint256 = boost::multiprecision::number<boost::multiprecision::cpp_int_backend<
    256, 256, boost::multiprecision::unsigned_magnitude, boost::multiprecision::checked, void>>;

struct amount_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Smallest units per ATN.
inline constexpr unsigned atn_decimals = 18;

class amount {
 public:
  amount() = default;
  /// `units` smallest units.
  static amount from_units(const uint256& units) { return amount(units); }
  /// Whole ATN.
  static amount atn(std::uint64_t whole);

  const uint256& units() const { return v_; }
  bool is_zero() const { return v_.is_zero(); }

  /// Throws amount_error when the sum exceeds 2^256 − 1.
  amount operator+(const amount& o) const;
  /// Throws amount_error when `o` > *this.
  amount operator-(const amount& o) const;
  amount& operator+=(const amount& o) { return *this = *this + o; }
  amount& operator-=(const amount& o) { return *this = *this - o; }

  friend bool operator==(const amount& a, const amount& b) { return a.v_ == b.v_; }
  friend bool operator!=(const amount& a, const amount& b) { return a.v_ != b.v_; }
  friend bool operator<(const amount& a, const amount& b) { return a.v_ < b.v_; }
  friend bool operator<=(const amount& a, const amount& b) { return a.v_ <= b.v_; }
  friend bool operator>(const amount& a, const amount& b) { return a.v_ > b.v_; }
  friend bool operator>=(const amount& a, const amount& b) { return a.v_ >= b.v_; }

  /// Decimal count of smallest units ("12500000000000000000"): the stored form.
  std::string units_string() const;
  /// Parses units_string's form; throws amount_error on anything else or on > 2^256 − 1.
  static amount parse_units(std::string_view text);

  /// "12.5 ATN": ATN with as many decimals as needed (none for whole ATN), then " ATN".
  std::string to_string() const;
  /// Parses "12.5", "12.5 ATN", "0.000000000000000001 ATN", "1e3"-free decimal text with at most 18
  /// decimals; throws amount_error naming the text and the accepted form.
  static amount parse(std::string_view text);

 private:
  explicit amount(const uint256& v) : v_(v) {}
  uint256 v_{0};
};

/// floor(a × num / den) computed exactly in 512 bits; throws amount_error when den is 0 or the result
/// exceeds 2^256 − 1.
uint256 mul_div_floor(const uint256& a, const uint256& num, const uint256& den);

}  // namespace atn::ledger
