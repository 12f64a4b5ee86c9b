#include "runtime/protocol/delta_checks.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using atn::delta_assessment;
using atn::named_tensors;

namespace {

named_tensors tensors_of(std::vector<float> a, std::vector<float> b) {
  named_tensors out;
  out.push_back(
      {"a.weight", {static_cast<std::int64_t>(a.size())}, std::make_shared<std::vector<float>>(std::move(a))});
  out.push_back({"b.bias", {static_cast<std::int64_t>(b.size())}, std::make_shared<std::vector<float>>(std::move(b))});
  return out;
}

named_tensors random_delta(std::uint64_t seed, float scale = 1e-3f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0.0f, scale);
  std::vector<float> a(301), b(17);
  for (auto& v : a) v = g(rng);
  for (auto& v : b) v = g(rng);
  return tensors_of(std::move(a), std::move(b));
}

named_tensors scaled(const named_tensors& d, float s) {
  named_tensors out = d;
  for (auto& t : out) {
    auto v = std::make_shared<std::vector<float>>(*t.data);
    for (auto& x : *v) x *= s;
    t.data = v;
  }
  return out;
}

// reference + noise of relative size `noise`: an honest solver's update.
named_tensors honest(const named_tensors& reference, std::uint64_t seed, float noise = 0.3f) {
  const auto n = random_delta(seed);
  named_tensors out = reference;
  for (std::size_t t = 0; t < out.size(); ++t) {
    auto v = std::make_shared<std::vector<float>>(*reference[t].data);
    for (std::size_t j = 0; j < v->size(); ++j) (*v)[j] += noise * (*n[t].data)[j];
    out[t].data = v;
  }
  return out;
}

delta_assessment with_norm(double norm) {
  delta_assessment a;
  a.norm = norm;
  a.trust = 1;
  return a;
}

}  // namespace

TEST_CASE("l2 norm and cosine on constructed vectors", "[delta_checks]") {
  const auto a = tensors_of({3, 0}, {0, 4});
  CHECK(atn::l2_norm(a) == 5.0);
  CHECK(atn::cosine(a, a) == Approx(1.0));
  CHECK(atn::cosine(a, scaled(a, 2.5f)) == Approx(1.0));
  CHECK(atn::cosine(a, scaled(a, -1.0f)) == Approx(-1.0));
  CHECK(atn::cosine(a, tensors_of({0, 1}, {1, 0})) == Approx(0.0).margin(1e-12));
  CHECK(atn::cosine(a, tensors_of({3, 0}, {0, -4})) == Approx(-7.0 / 25.0));
  CHECK(atn::cosine(a, tensors_of({0, 0}, {0, 0})) == 0.0);
  CHECK(atn::l2_norm(tensors_of({0, 0}, {0, 0})) == 0.0);
  CHECK_THROWS_WITH(atn::cosine(a, tensors_of({3, 0, 1}, {0, 4})), Catch::Contains("'a.weight'"));

  // Double accumulation: many tiny values whose squares a float sum would lose against a large one.
  std::vector<float> big(100001, 1e-4f);
  big[0] = 1e3f;
  const double want = std::sqrt(1e6 + 100000 * static_cast<double>(1e-4f) * static_cast<double>(1e-4f));
  CHECK(atn::l2_norm(tensors_of(big, {0})) == Approx(want).epsilon(1e-12));
}

TEST_CASE("fltrust score clips negative cosines", "[delta_checks]") {
  CHECK(atn::fltrust_score(0.8) == 0.8);
  CHECK(atn::fltrust_score(0.0) == 0.0);
  CHECK(atn::fltrust_score(-1.0) == 0.0);
  CHECK(atn::fltrust_score(std::nan("")) == 0.0);
}

TEST_CASE("layout and finiteness checks give reasons", "[delta_checks]") {
  const auto expected = tensors_of({1, 2, 3}, {4});
  CHECK(atn::check_layout(tensors_of({0, 0, 0}, {0}), expected).accepted);

  const auto wrong = atn::check_layout(tensors_of({0, 0}, {0}), expected);
  CHECK_FALSE(wrong.accepted);
  CHECK(wrong.reason == atn::reject_reason::layout_mismatch);
  CHECK_THAT(wrong.detail, Catch::Contains("'a.weight'"));

  auto renamed = tensors_of({0, 0, 0}, {0});
  renamed[1].name = "c.bias";
  CHECK(atn::check_layout(renamed, expected).reason == atn::reject_reason::layout_mismatch);

  CHECK(atn::check_finite(expected).accepted);
  const auto nan = atn::check_finite(tensors_of({1, 2, 3}, {std::nanf("")}));
  CHECK_FALSE(nan.accepted);
  CHECK(nan.reason == atn::reject_reason::non_finite);
  CHECK_THAT(nan.detail, Catch::Contains("'b.bias'"));
  CHECK(atn::check_finite(tensors_of({1, std::numeric_limits<float>::infinity(), 3}, {0})).reason ==
        atn::reject_reason::non_finite);
}

TEST_CASE("assess_delta checks layout, then finiteness, then measures", "[delta_checks]") {
  const auto reference = random_delta(1);
  const auto bad_layout = atn::assess_delta(tensors_of({1}, {1}), reference);
  CHECK(bad_layout.verdict.reason == atn::reject_reason::layout_mismatch);
  CHECK(bad_layout.trust == 0);

  auto nan = scaled(reference, 1.0f);
  auto v = std::make_shared<std::vector<float>>(*nan[0].data);
  (*v)[7] = std::nanf("");
  nan[0].data = v;
  CHECK(atn::assess_delta(nan, reference).verdict.reason == atn::reject_reason::non_finite);

  const auto same = atn::assess_delta(reference, reference);
  CHECK(same.verdict.accepted);
  CHECK(same.norm == Approx(atn::l2_norm(reference)));
  CHECK(same.cosine == Approx(1.0));
  CHECK(same.trust == Approx(1.0));
}

TEST_CASE("a round: honest deltas pass, a 10x one is flagged, a sign flip has cosine -1", "[delta_checks]") {
  const auto reference = random_delta(7);
  const double reference_norm = atn::l2_norm(reference);
  std::vector<named_tensors> deltas;
  for (int i = 0; i < 6; ++i) deltas.push_back(honest(reference, 100 + i));
  deltas.push_back(scaled(honest(reference, 200), 10.0f));  // 6: scaled up
  deltas.push_back(scaled(deltas[0], -1.0f));               // 7: sign-flipped honest delta

  for (bool cap : {false, true}) {
    INFO((cap ? "with the reference cap" : "robust z-score alone"));
    std::vector<delta_assessment> round;
    for (const auto& d : deltas) round.push_back(atn::assess_delta(d, reference));
    atn::norm_rule_options options;
    if (!cap) options.reference_cap = 0;
    const auto summary = atn::apply_norm_rule(round, reference_norm, options);

    CHECK(summary.flagged == 1);
    CHECK_FALSE(round[6].verdict.accepted);
    CHECK(round[6].verdict.reason == (cap ? atn::reject_reason::norm_cap : atn::reject_reason::norm_outlier));
    CHECK(round[6].trust == 0);
    for (int i = 0; i < 6; ++i) {
      INFO("honest " << i);
      CHECK(round[i].verdict.accepted);
      CHECK(round[i].cosine > 0.9);
      CHECK(round[i].trust == round[i].cosine);
    }
    CHECK(round[7].verdict.accepted);  // its norm is honest; the cosine catches it
    CHECK(round[7].cosine == Approx(-round[0].cosine));
    CHECK(round[7].trust == 0);
  }
  CHECK(atn::cosine(deltas[7], deltas[0]) == Approx(-1.0));
}

TEST_CASE("the norm rule's floor keeps near-identical norms from flagging each other", "[delta_checks]") {
  std::vector<delta_assessment> round = {with_norm(1.0), with_norm(1.0), with_norm(1.0), with_norm(1.0001),
                                         with_norm(1.02)};
  atn::norm_rule_options options;
  options.reference_cap = 0;
  auto s = atn::apply_norm_rule(round, 0, options);
  CHECK(s.median == 1.0);
  CHECK(s.mad == 0.0);
  CHECK(s.threshold == Approx(1.0 + 3 * 1.4826 * 0.1));
  CHECK(s.flagged == 0);

  // Without the floor the same round flags both slightly larger norms: the floor is what saves them.
  options.mad_floor = 0;
  s = atn::apply_norm_rule(round, 0, options);
  CHECK(s.flagged == 2);
  CHECK(round[4].verdict.reason == atn::reject_reason::norm_outlier);
}

TEST_CASE("the norm rule ignores rejected deltas and small rounds", "[delta_checks]") {
  std::vector<delta_assessment> round = {with_norm(1.0), with_norm(1.1), with_norm(0.9), with_norm(1e9),
                                         with_norm(1.05)};
  round[3].verdict = atn::delta_verdict::reject(atn::reject_reason::non_finite, "x");
  const auto s = atn::apply_norm_rule(round, 1.0);
  CHECK(s.median == Approx(1.025));
  CHECK(s.flagged == 0);
  CHECK(round[3].verdict.reason == atn::reject_reason::non_finite);

  std::vector<delta_assessment> two = {with_norm(1.0), with_norm(60.0)};
  CHECK(atn::apply_norm_rule(two, 0).flagged == 0);     // two norms: no majority to be an outlier against
  CHECK(atn::apply_norm_rule(two, 10.0).flagged == 1);  // the cap still applies: 60 > 5 × 10
  CHECK(two[1].verdict.reason == atn::reject_reason::norm_cap);

  std::vector<delta_assessment> none;
  CHECK(atn::apply_norm_rule(none, 1.0).flagged == 0);
}
