#include "data/privacy_filter.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using atn::privacy_config;
using atn::privacy_filter;

namespace {

std::string scrub(const std::string& text) {
  static const privacy_filter filter{privacy_config{}};
  return filter.scrub(text);
}

}  // namespace

TEST_CASE("e-mail addresses are redacted", "[privacy][pii]") {
  CHECK(scrub("write to alice.smith+tag@example.co.uk today") == "write to [EMAIL_REDACTED] today");
  CHECK(scrub("<bob_99@mail-host.example.com>") == "<[EMAIL_REDACTED]>");
  CHECK(scrub("a@b.io, c@d.org.") == "[EMAIL_REDACTED], [EMAIL_REDACTED].");
  CHECK(scrub("Grüße an jörg@example.de") == "Grüße an [EMAIL_REDACTED]");

  // Not addresses.
  CHECK(scrub("ping @alice about it") == "ping @alice about it");
  CHECK(scrub("root@localhost is local") == "root@localhost is local");
  CHECK(scrub("@property def x(self)") == "@property def x(self)");
  CHECK(scrub("user@host.c") == "user@host.c");
  CHECK(scrub("a @ b.com") == "a @ b.com");
}

TEST_CASE("Luhn-valid card numbers are redacted", "[privacy][pii]") {
  CHECK(scrub("card 4111 1111 1111 1111 exp 12/27") == "card [CC_REDACTED] exp 12/27");
  CHECK(scrub("card 4111-1111-1111-1111.") == "card [CC_REDACTED].");
  CHECK(scrub("4111111111111111") == "[CC_REDACTED]");
  CHECK(scrub("amex 378282246310005 ok") == "amex [CC_REDACTED] ok");
  CHECK(scrub("(6011111111111117)") == "([CC_REDACTED])");
  CHECK(scrub("mc 5555 5555 5555 4444\n") == "mc [CC_REDACTED]\n");

  // Luhn-invalid, too long, or part of a longer token: kept.
  CHECK(scrub("card 4111 1111 1111 1112") == "card 4111 1111 1111 1112");
  CHECK(scrub("id 12345678901234567890") == "id 12345678901234567890");
  CHECK(scrub("order 1234567890123") == "order 1234567890123");
  CHECK(scrub("sku4111111111111111") == "sku4111111111111111");
  CHECK(scrub("4111111111111111x") == "4111111111111111x");
}

TEST_CASE("US social security numbers are redacted", "[privacy][pii]") {
  CHECK(scrub("SSN 123-45-6789.") == "SSN [SSN_REDACTED].");
  CHECK(scrub("ssn:078-05-1120") == "ssn:[SSN_REDACTED]");

  CHECK(scrub("ref 123-45-67890") == "ref 123-45-67890");
  CHECK(scrub("ref 9123-45-6789") == "ref 9123-45-6789");
  CHECK(scrub("date 2026-03-02") == "date 2026-03-02");
  CHECK(scrub("id 12-345-6789") == "id 12-345-6789");
}

TEST_CASE("phone numbers are redacted", "[privacy][pii]") {
  CHECK(scrub("call +1 415 555 0100 now") == "call [PHONE_REDACTED] now");
  CHECK(scrub("call (415) 555-0100") == "call [PHONE_REDACTED]");
  CHECK(scrub("call 415-555-0100, thanks") == "call [PHONE_REDACTED], thanks");
  CHECK(scrub("London +44 20 7946 0958.") == "London [PHONE_REDACTED].");
  CHECK(scrub("415.555.0100") == "[PHONE_REDACTED]");
  CHECK(scrub("415 555 0100") == "[PHONE_REDACTED]");
  CHECK(scrub("+1 (415) 555-0100") == "[PHONE_REDACTED]");
  CHECK(scrub("1-415-555-0100") == "[PHONE_REDACTED]");
  CHECK(scrub("(415)555-0100") == "[PHONE_REDACTED]");
  CHECK(scrub("+14155550100") == "[PHONE_REDACTED]");
  CHECK(scrub("tel: +49-30-1234567") == "tel: [PHONE_REDACTED]");
  CHECK(scrub("→ 415-555-0100 ←") == "→ [PHONE_REDACTED] ←");

  // Plain numbers, dates, times, versions, addresses and arithmetic are not phones.
  CHECK(scrub("4155550100") == "4155550100");
  CHECK(scrub("on 2026-03-02 at 09:15:04") == "on 2026-03-02 at 09:15:04");
  CHECK(scrub("2026-03-02T09:15:04+01:00") == "2026-03-02T09:15:04+01:00");
  CHECK(scrub("version 1.2.3 and 10.0.19041.1234") == "version 1.2.3 and 10.0.19041.1234");
  CHECK(scrub("host 192.168.100.200") == "host 192.168.100.200");
  CHECK(scrub("3 + 4 = 7, +12 points, +100") == "3 + 4 = 7, +12 points, +100");
  CHECK(scrub("x415-555-0100") == "x415-555-0100");
  CHECK(scrub("415-555-01000") == "415-555-01000");
  CHECK(scrub("in 2024 we sold 1500 units") == "in 2024 we sold 1500 units");
}

TEST_CASE("several kinds of PII in one text, and scrubbing switched off", "[privacy][pii]") {
  const std::string text = "[user] I am bob@example.com, SSN 123-45-6789, card 4111111111111111, tel 415-555-0100";
  CHECK(scrub(text) == "[user] I am [EMAIL_REDACTED], SSN [SSN_REDACTED], card [CC_REDACTED], tel [PHONE_REDACTED]");

  privacy_config off;
  off.scrub_pii = false;
  CHECK(privacy_filter(off).scrub(text) == text);
  CHECK(scrub("") == "");
  CHECK(scrub("no pii here") == "no pii here");
}

TEST_CASE("exclusion patterns match case-insensitive substrings", "[privacy][exclusion]") {
  privacy_config config;
  config.exclusion_patterns = {"Project Falcon", "salary", ""};
  privacy_filter filter(config);
  CHECK(filter.excluded("notes on PROJECT falcon launch"));
  CHECK(filter.excluded("my Salary is"));
  CHECK_FALSE(filter.excluded("project falco"));
  CHECK_FALSE(filter.excluded("an ordinary message"));  // the empty pattern matches nothing
  CHECK_FALSE(privacy_filter().excluded("salary"));
}

TEST_CASE("the scrubber is linear and fast on large text", "[privacy][performance]") {
  std::string text;
  while (text.size() < (8u << 20))
    text +=
        "user 42 wrote to a.b@example.com at 2026-03-02T09:15:04Z about order 1234567 "
        "and 415-555-0100; the sum 3+4=7, @here 4111 1111 1111 1111 ok. ";
  const auto start = std::chrono::steady_clock::now();
  std::string out = scrub(text);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(out.find("a.b@example.com") == std::string::npos);
  CHECK(out.find("415-555-0100") == std::string::npos);
  CHECK(out.find("[CC_REDACTED]") != std::string::npos);
  CHECK(out.find("2026-03-02T09:15:04Z") != std::string::npos);
  CHECK(seconds < 5.0);  // ~0.1 s in a release build; generous for loaded machines and sanitizers

  // Pathological input: long runs of separators and '@' stay linear.
  std::string worst(1 << 20, '@');
  for (std::size_t i = 0; i < worst.size(); i += 2) worst[i] = 'a';
  std::string digits(1 << 20, '1');
  for (std::size_t i = 1; i < digits.size(); i += 2) digits[i] = ' ';
  const auto start2 = std::chrono::steady_clock::now();
  CHECK(scrub(worst) == worst);
  CHECK_FALSE(scrub(digits).empty());
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start2).count() < 5.0);
}

TEST_CASE("the scrubber catches every written format of each kind it handles (issue 18)", "[privacy][pii][formats]") {
  // One row per format a person writes; the bug this table found: an SSN with spaces was kept.
  struct row {
    const char* kind;
    const char* text;
    const char* tag;
  };
  const row rows[] = {
      {"email", "alice@example.com", "[EMAIL_REDACTED]"},
      {"email", "Alice.Smith+tag@Example.CO.UK", "[EMAIL_REDACTED]"},
      {"email", "bob_99@mail-host.example.com", "[EMAIL_REDACTED]"},
      {"card", "4111111111111111", "[CC_REDACTED]"},
      {"card", "4111 1111 1111 1111", "[CC_REDACTED]"},
      {"card", "4111-1111-1111-1111", "[CC_REDACTED]"},
      {"card", "378282246310005", "[CC_REDACTED]"},
      {"card", "3782 822463 10005", "[CC_REDACTED]"},
      {"ssn", "123-45-6789", "[SSN_REDACTED]"},
      {"ssn", "123 45 6789", "[SSN_REDACTED]"},
      {"ssn", "123.45.6789", "[SSN_REDACTED]"},
      {"phone", "(415) 555-0100", "[PHONE_REDACTED]"},
      {"phone", "415-555-0100", "[PHONE_REDACTED]"},
      {"phone", "415.555.0100", "[PHONE_REDACTED]"},
      {"phone", "415 555 0100", "[PHONE_REDACTED]"},
      {"phone", "1-415-555-0100", "[PHONE_REDACTED]"},
      {"phone", "+44 20 7946 0958", "[PHONE_REDACTED]"},
      {"phone", "+1 (415) 555-0100", "[PHONE_REDACTED]"},
  };
  for (const auto& r : rows) {
    INFO(r.kind << ": " << r.text);
    CHECK(scrub(std::string("mine is ") + r.text + ", thanks") == std::string("mine is ") + r.tag + ", thanks");
  }
  // Mixed separators are not one SSN.
  CHECK(scrub("id 123-45 6789") == "id 123-45 6789");
}
