#include "runtime/protocol/commit_book.hpp"
#include "messages/round_messages.hpp"
#include "runtime/protocol/commitment.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace atn;

namespace {

const std::string version(64, 'a');

digest256 digest_of(const char* text) {
  return blake2b_256(reinterpret_cast<const std::uint8_t*>(text), std::strlen(text));
}

}  // namespace

TEST_CASE("a commitment binds domain, node, jurisdiction, round, version, payload and salt", "[commitment]") {
  const auto payload = digest_of("delta"), salt = fresh_salt();
  const auto c = commitment_of(delta_commit_domain, "solver-1", "eu", 3, version, payload, salt);
  CHECK(c == commitment_of(delta_commit_domain, "solver-1", "eu", 3, version, payload, salt));
  CHECK(c != commitment_of(scores_commit_domain, "solver-1", "eu", 3, version, payload, salt));
  CHECK(c != commitment_of(delta_commit_domain, "solver-2", "eu", 3, version, payload, salt));
  CHECK(c != commitment_of(delta_commit_domain, "solver-1", "us", 3, version, payload, salt));
  CHECK(c != commitment_of(delta_commit_domain, "solver-1", "eu", 4, version, payload, salt));
  CHECK(c != commitment_of(delta_commit_domain, "solver-1", "eu", 3, std::string(64, 'b'), payload, salt));
  CHECK(c != commitment_of(delta_commit_domain, "solver-1", "eu", 3, version, digest_of("other"), salt));
  CHECK(c != commitment_of(delta_commit_domain, "solver-1", "eu", 3, version, payload, fresh_salt()));
  // Length prefixes: moving a character from node to jurisdiction changes the commitment.
  CHECK(commitment_of(delta_commit_domain, "ab", "c", 1, version, payload, salt) !=
        commitment_of(delta_commit_domain, "a", "bc", 1, version, payload, salt));
  CHECK_THROWS_WITH(commitment_of(delta_commit_domain, "n", "j", 1, "xyz", payload, salt), Catch::Contains("xyz"));
  CHECK(scores_hash({"a", "b"}, {0.5, 0.25}) != scores_hash({"a", "b"}, {0.25, 0.5}));
}

TEST_CASE("the commit book checks commits and reveals and names every refusal", "[commit_book]") {
  commit_book book(delta_commit_domain, "eu", 2, version, {"s1", "s2", "s3"});
  const auto salt1 = fresh_salt(), salt2 = fresh_salt();
  const auto h1 = digest_of("delta 1"), h2 = digest_of("delta 2");
  const auto c1 = commitment_of(delta_commit_domain, "s1", "eu", 2, version, h1, salt1);
  const auto c2 = commitment_of(delta_commit_domain, "s2", "eu", 2, version, h2, salt2);

  CHECK(book.commit("s1", c1) == std::nullopt);
  CHECK(book.commit("s1", c1) == reject_reason::duplicate_commit);
  CHECK(book.commit("intruder", c1) == reject_reason::unknown_sender);
  CHECK(book.reveal("s1", h1, salt1) == reject_reason::early_reveal);
  CHECK(book.commit("s2", c2) == std::nullopt);

  book.close();
  CHECK(book.commit("s3", c1) == reject_reason::late_commit);
  CHECK(book.reveal("s3", h1, salt1) == reject_reason::no_commitment);
  // A forged reveal: another delta, or another's salt.
  CHECK(book.reveal("s2", h1, salt2) == reject_reason::commitment_mismatch);
  CHECK(book.reveal("s2", h2, salt1) == reject_reason::commitment_mismatch);
  CHECK(book.reveal("s1", h1, salt1) == std::nullopt);
  CHECK(book.reveal("s1", h1, salt1) == reject_reason::duplicate_reveal);
  CHECK(book.unrevealed() == std::set<std::string>{"s2"});
}

TEST_CASE("the aggregator's commit set overrides what a receiver saw", "[commit_book]") {
  commit_book book(delta_commit_domain, "eu", 1, version, {"s1", "s2"});
  const auto salt = fresh_salt();
  const auto h = digest_of("delta");
  const auto real = commitment_of(delta_commit_domain, "s1", "eu", 1, version, h, salt);
  book.commit("s1", digest_of("something else"));
  std::map<std::string, digest256> set{{"s1", real}};
  book.close(&set);
  CHECK(book.disagreements() == 1);
  CHECK(book.reveal("s1", h, salt) == std::nullopt);
  CHECK(book.reveal("s2", h, salt) == reject_reason::no_commitment);
}

TEST_CASE("round messages survive their wire form and refuse missing fields", "[round_messages]") {
  score_reveal_msg s;
  s.salt = fresh_salt();
  s.solvers = {"s1", "s2"};
  s.scores = {0.75, 0.0};
  s.verify_seconds = 1.5;
  auto m = to_wire(s, "eu", 4);
  CHECK(m.type == round_type::score_reveal);
  auto back = parse_score_reveal(m);
  REQUIRE(back);
  CHECK(back->salt == s.salt);
  CHECK(back->solvers == s.solvers);
  CHECK(back->scores == s.scores);
  CHECK(back->verify_seconds == 1.5);

  phase_msg p{round_phase::score_reveal, {{"c1", s.salt}}};
  auto pb = parse_phase(to_wire(p, "eu", 4));
  REQUIRE(pb);
  CHECK(pb->phase == round_phase::score_reveal);
  CHECK(pb->commits == p.commits);

  auto broken = to_wire(commit_msg{commit_kind::delta, s.salt}, "eu", 4);
  broken.fields.erase("commitment");
  auto no_commitment = parse_commit(broken);
  CHECK_FALSE(no_commitment);
  CHECK_THAT(no_commitment.error(), Catch::Contains("commitment"));
  broken = to_wire(s, "eu", 4);
  broken.fields["scores"] = wire_value::array{wire_value(1.0)};
  auto short_scores = parse_score_reveal(broken);
  CHECK_FALSE(short_scores);
  CHECK_THAT(short_scores.error(), Catch::Contains("1 scores for 2 solvers"));
  CHECK(parse_modalities("text,visual").value().visual);
  CHECK_FALSE(parse_modalities("audio"));
}
