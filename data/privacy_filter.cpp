#include "data/privacy_filter.hpp"

#include <cstring>

namespace atn {

namespace {

// ASCII classes only: UTF-8 continuation bytes are >= 0x80 and never match.
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Local parts may hold UTF-8 (bytes >= 0x80); domains stay ASCII so trailing punctuation ends them.
bool is_email_local(char c) {
  return static_cast<unsigned char>(c) >= 0x80 || is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
         c == '-';
}
bool is_email_domain(char c) { return is_alnum(c) || c == '.' || c == '-'; }
bool is_phone_sep(char c) { return c == ' ' || c == '-' || c == '.'; }

constexpr std::string_view email_tag = "[EMAIL_REDACTED]";
constexpr std::string_view card_tag = "[CC_REDACTED]";
constexpr std::string_view ssn_tag = "[SSN_REDACTED]";
constexpr std::string_view phone_tag = "[PHONE_REDACTED]";

// A number may start at i: not inside a word or a longer number ("12-415..." or "v1.415...").
bool left_boundary(std::string_view t, std::size_t i) {
  if (i == 0) return true;
  char p = t[i - 1];
  if (is_word(p)) return false;
  if ((p == '.' || p == '-') && i >= 2 && is_digit(t[i - 2])) return false;
  if (p == '+' && is_digit(t[i])) return false;  // the '+' itself was the start and did not match
  return true;
}

// A number may end at e: not followed by a word or by a continuation such as "-12" or ".5".
bool right_boundary(std::string_view t, std::size_t e) {
  if (e >= t.size()) return true;
  char c = t[e];
  if (is_word(c)) return false;
  if ((c == '.' || c == '-') && e + 1 < t.size() && is_digit(t[e + 1])) return false;
  return true;
}

bool luhn_valid(const int* digits, int count) {
  int sum = 0;
  for (int k = 0; k < count; ++k) {
    int d = digits[count - 1 - k];
    if (k % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 == 0;
}

// 13-19 digits, single ' ' or '-' between digits, Luhn-valid; the longest such prefix that
// ends at a group end. Returns the end, or 0.
std::size_t match_card(std::string_view t, std::size_t i) {
  int digits[19];
  int count = 0;
  std::size_t j = i, best = 0, n = t.size();
  while (j < n) {
    char c = t[j];
    if (is_digit(c)) {
      if (count == 19) break;
      digits[count++] = c - '0';
      ++j;
      if (count >= 13 && (j == n || !is_digit(t[j])) && right_boundary(t, j) && luhn_valid(digits, count)) best = j;
    } else if ((c == ' ' || c == '-') && j + 1 < n && is_digit(t[j + 1])) {
      ++j;  // reached only after a digit, so separators are single
    } else {
      break;
    }
  }
  return best;
}

// ddd-dd-dddd, or the same with spaces or dots: one separator, used in both places (people write
// "123 45 6789" too; "123-45 6789" is not taken for one number).
std::size_t match_ssn(std::string_view t, std::size_t i) {
  static constexpr char shape[] = "ddd-dd-dddd";
  if (i + 11 > t.size()) return 0;
  const char sep = t[i + 3];
  if (sep != '-' && sep != ' ' && sep != '.') return 0;
  for (std::size_t k = 0; k < 11; ++k) {
    char c = t[i + k];
    if (shape[k] == 'd' ? !is_digit(c) : c != sep) return 0;
  }
  return right_boundary(t, i + 11) ? i + 11 : 0;
}

// "+" country code and groups: 8-15 digits with single ' ', '-', '.' or one "(..)" group.
std::size_t match_international(std::string_view t, std::size_t i) {
  std::size_t n = t.size(), j = i + 1, best = 0;
  if (j >= n || !is_digit(t[j])) return 0;
  int count = 0;
  bool in_paren = false;
  while (j < n) {
    char c = t[j];
    if (is_digit(c)) {
      ++j;
      if (++count > 15) break;
      if (!in_paren && count >= 8 && (j == n || !is_digit(t[j])) && right_boundary(t, j)) best = j;
      continue;
    }
    char prev = t[j - 1];
    char next = j + 1 < n ? t[j + 1] : '\0';
    if (is_phone_sep(c) && (is_digit(prev) || prev == ')') && (is_digit(next) || (next == '(' && !in_paren))) {
      ++j;
    } else if (c == '(' && !in_paren && is_digit(next) && (prev == ' ' || is_digit(prev))) {
      in_paren = true;
      ++j;
    } else if (c == ')' && in_paren && is_digit(prev)) {
      in_paren = false;
      ++j;
    } else {
      break;
    }
  }
  return best;
}

bool digits_at(std::string_view t, std::size_t j, std::size_t count) {
  if (j + count > t.size()) return false;
  for (std::size_t k = 0; k < count; ++k)
    if (!is_digit(t[j + k])) return false;
  return true;
}

// "(415) 555-0100", "(415)555-0100", "415-555-0100", "415.555.0100", "415 555 0100".
std::size_t match_nanp_body(std::string_view t, std::size_t j) {
  std::size_t n = t.size();
  if (j < n && t[j] == '(') {
    if (!digits_at(t, j + 1, 3) || j + 4 >= n || t[j + 4] != ')') return 0;
    j += 5;
    if (j < n && t[j] == ' ') ++j;
  } else {
    if (!digits_at(t, j, 3) || j + 3 >= n || !is_phone_sep(t[j + 3])) return 0;
    j += 4;
  }
  if (!digits_at(t, j, 3) || j + 3 >= n || !is_phone_sep(t[j + 3])) return 0;
  j += 4;
  if (!digits_at(t, j, 4)) return 0;
  j += 4;
  return right_boundary(t, j) ? j : 0;
}

std::size_t match_phone(std::string_view t, std::size_t i) {
  if (t[i] == '+') return match_international(t, i);
  std::size_t n = t.size();
  // "1 415 555 0100", "1-(415) 555-0100": a leading North American country code.
  if (t[i] == '1' && i + 2 < n && is_phone_sep(t[i + 1]) && (is_digit(t[i + 2]) || t[i + 2] == '(')) {
    if (std::size_t e = match_nanp_body(t, i + 2)) return e;
  }
  return match_nanp_body(t, i);
}

bool valid_email_domain(std::string_view d) {
  if (d.empty() || !is_alnum(d.front())) return false;
  std::size_t dot = d.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string_view tld = d.substr(dot + 1);
  if (tld.size() < 2) return false;
  for (char c : tld)
    if (!is_alpha(c)) return false;
  return true;
}

std::string scrub_emails(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  std::size_t last = 0, i = 0, n = t.size();
  for (std::size_t at; (at = t.find('@', i)) != std::string_view::npos;) {
    std::size_t ls = at;
    while (ls > last && is_email_local(t[ls - 1])) --ls;
    while (ls < at && t[ls] == '.') ++ls;
    std::size_t de = at + 1;
    while (de < n && is_email_domain(t[de])) ++de;
    while (de > at + 1 && (t[de - 1] == '.' || t[de - 1] == '-')) --de;
    if (ls < at && valid_email_domain(t.substr(at + 1, de - at - 1))) {
      out.append(t.data() + last, ls - last);
      out += email_tag;
      last = i = de;
    } else {
      i = at + 1;
    }
  }
  out.append(t.data() + last, n - last);
  return out;
}

std::string scrub_numbers(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  std::size_t last = 0, i = 0, n = t.size();
  while (i < n) {
    char c = t[i];
    if ((is_digit(c) || c == '+' || c == '(') && left_boundary(t, i)) {
      std::size_t end = 0;
      std::string_view tag;
      if (is_digit(c) && (end = match_card(t, i)) != 0) {
        tag = card_tag;
      } else if (is_digit(c) && (end = match_ssn(t, i)) != 0) {
        tag = ssn_tag;
      } else if ((end = match_phone(t, i)) != 0) {
        tag = phone_tag;
      }
      if (end != 0) {
        out.append(t.data() + last, i - last);
        out += tag;
        last = i = end;
        continue;
      }
    }
    ++i;
  }
  out.append(t.data() + last, n - last);
  return out;
}

bool has_digit(std::string_view t) {
  for (char c : t)
    if (is_digit(c)) return true;
  return false;
}

}  // namespace

privacy_filter::privacy_filter(privacy_config config) : config_(std::move(config)) {
  for (const auto& p : config_.exclusion_patterns) {
    if (p.empty()) continue;  // would match everything
    std::string lowered(p);
    for (char& c : lowered) c = to_lower(c);
    lowered_patterns_.push_back(std::move(lowered));
  }
}

bool privacy_filter::excluded(std::string_view text) const {
  if (lowered_patterns_.empty()) return false;
  std::string lowered(text);
  for (char& c : lowered) c = to_lower(c);
  for (const auto& p : lowered_patterns_)
    if (lowered.find(p) != std::string::npos) return true;
  return false;
}

std::string privacy_filter::scrub(std::string_view text) const {
  if (!config_.scrub_pii) return std::string(text);
  // Emails first: their digits must not be taken for phone numbers.
  std::string out = text.find('@') != std::string_view::npos ? scrub_emails(text) : std::string(text);
  if (has_digit(out)) out = scrub_numbers(out);
  return out;
}

}  // namespace atn
