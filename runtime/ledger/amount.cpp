#include "runtime/ledger/amount.hpp"

#include <cctype>

namespace atn::ledger {

namespace {
using uint512 = boost::multiprecision::number<boost::multiprecision::cpp_int_backend<
    512, 512, boost::multiprecision::unsigned_magnitude, boost::multiprecision::unchecked, void>>;

const uint256& one_atn() {
  static const uint256 v = [] {
    uint256 x = 1;
    for (unsigned i = 0; i < atn_decimals; ++i) x *= 10;
    return x;
  }();
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

uint256 digits_value(std::string_view digits, std::string_view whole_text) {
  uint256 v = 0;
  try {
    for (char c : digits) {
      v *= 10;
      v += static_cast<unsigned>(c - '0');
    }
  } catch (const std::exception&) {
    throw amount_error("amount \"" + std::string(whole_text) + "\" exceeds 2^256 - 1 units");
  }
  return v;
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

amount amount::atn(std::uint64_t whole) { return amount(uint256(whole) * one_atn()); }

amount amount::operator+(const amount& o) const {
  try {
    return amount(v_ + o.v_);
  } catch (const std::exception&) {
    throw amount_error("amount overflow: " + to_string() + " + " + o.to_string() + " exceeds 2^256 - 1 units");
  }
}

amount amount::operator-(const amount& o) const {
  if (o.v_ > v_) throw amount_error("amount underflow: " + to_string() + " - " + o.to_string() + " is negative");
  return amount(v_ - o.v_);
}

std::string amount::units_string() const { return v_.str(); }

amount amount::parse_units(std::string_view text) {
  if (text.empty() || !all_digits(text) || (text.size() > 1 && text[0] == '0'))
    throw amount_error("\"" + std::string(text) + "\" is not a count of smallest units (decimal digits)");
  return amount(digits_value(text, text));
}

std::string amount::to_string() const {
  const uint256 whole = v_ / one_atn();
  const uint256 frac = v_ % one_atn();
  std::string out = whole.str();
  if (!frac.is_zero()) {
    std::string f = frac.str();
    f.insert(0, atn_decimals - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + " ATN";
}

amount amount::parse(std::string_view text) {
  const std::string original(text);
  const auto bad = [&](const std::string& why) {
    return amount_error("amount \"" + original + "\" " + why +
                        "; write ATN as a decimal number with at most 18 decimals, e.g. \"12.5\" or \"12.5 ATN\"");
  };
  std::string_view s = trim(text);
  if (s.size() >= 3 && (s.substr(s.size() - 3) == "ATN" || s.substr(s.size() - 3) == "atn"))
    s = trim(s.substr(0, s.size() - 3));
  if (s.empty()) throw bad("is empty");
  const auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) throw bad("has no digits");
  if (!all_digits(whole) || !all_digits(frac)) throw bad("is not a plain decimal number");
  if (dot != std::string_view::npos && frac.empty()) throw bad("ends in a point");
  if (frac.size() > atn_decimals) throw bad("has more than 18 decimals");
  std::string digits(whole);
  digits += frac;
  digits.append(atn_decimals - frac.size(), '0');
  return amount(digits_value(digits, original));
}

uint256 mul_div_floor(const uint256& a, const uint256& num, const uint256& den) {
  if (den.is_zero()) throw amount_error("division by zero");
  const uint512 r = uint512(a) * uint512(num) / uint512(den);
  if (r > uint512((std::numeric_limits<uint256>::max)())) throw amount_error("mul_div result exceeds 2^256 - 1");
  return uint256(r);
}

}  // namespace atn::ledger
