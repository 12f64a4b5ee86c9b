#include "runtime/protocol/delta_aggregator.hpp"

#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using atn::aggregation_rule;
using atn::aggregator_options;
using atn::delta_aggregator;
using atn::named_tensors;

namespace {

// Several tensors of different ranks, one larger than the chunk sizes the tests use.
const std::vector<std::pair<std::string, std::vector<std::int64_t>>> layout = {
    {"encoder.blocks.0.weight", {7, 5}}, {"encoder.norm.bias", {13}}, {"predictor.queries", {3, 4, 5}}};

named_tensors make_delta(std::uint64_t seed, float scale = 1.0f, float offset = 0.0f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  named_tensors out;
  for (const auto& [name, shape] : layout) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    auto data = std::make_shared<std::vector<float>>(static_cast<std::size_t>(n));
    for (auto& v : *data) v = offset + scale * u(rng);
    out.push_back({name, shape, std::move(data)});
  }
  atn::canonicalize(out);
  return out;
}

named_tensors aggregate(aggregator_options options, const std::vector<named_tensors>& deltas,
                        const std::vector<double>& weights) {
  delta_aggregator agg(options);
  for (std::size_t i = 0; i < deltas.size(); ++i) agg.add(deltas[i], weights[i]);
  return agg.finish();
}

// The rule computed directly: every coordinate's values gathered, sorted, reduced.
named_tensors direct(const std::vector<named_tensors>& deltas,
                     const std::function<float(std::vector<float>&)>& reduce) {
  named_tensors out = deltas[0];
  for (std::size_t t = 0; t < out.size(); ++t) {
    auto values = std::make_shared<std::vector<float>>(out[t].data->size());
    for (std::size_t j = 0; j < values->size(); ++j) {
      std::vector<float> column;
      for (const auto& d : deltas) column.push_back((*d[t].data)[j]);
      std::sort(column.begin(), column.end());
      (*values)[j] = reduce(column);
    }
    out[t].data = values;
  }
  return out;
}

float sorted_mean(const std::vector<float>& v, std::size_t lo, std::size_t hi) {
  double sum = 0;
  for (std::size_t i = lo; i < hi; ++i) sum += v[i];
  return static_cast<float>(sum / static_cast<double>(hi - lo));
}

void require_equal(const named_tensors& got, const named_tensors& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t t = 0; t < got.size(); ++t) {
    INFO("tensor " << want[t].name);
    CHECK(got[t].name == want[t].name);
    CHECK(got[t].shape == want[t].shape);
    REQUIRE(got[t].data->size() == want[t].data->size());
    for (std::size_t j = 0; j < got[t].data->size(); ++j) {
      INFO("index " << j);
      REQUIRE((*got[t].data)[j] == (*want[t].data)[j]);
    }
  }
}

std::size_t files_in(const std::filesystem::path& dir) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

}  // namespace

TEST_CASE("fedavg equals the direct weighted mean", "[aggregate][fedavg]") {
  std::vector<named_tensors> deltas;
  std::vector<double> weights;
  for (int i = 0; i < 9; ++i) {
    deltas.push_back(make_delta(100 + i, 0.01f * (i + 1)));
    weights.push_back(0.5 + 37.0 * i);  // incentive × samples: uneven
  }
  const auto got = aggregate({}, deltas, weights);
  double total = 0;
  for (double w : weights) total += w;
  REQUIRE(got.size() == layout.size());
  for (std::size_t t = 0; t < got.size(); ++t) {
    for (std::size_t j = 0; j < got[t].data->size(); ++j) {
      double want = 0;
      for (std::size_t i = 0; i < deltas.size(); ++i) want += weights[i] * (*deltas[i][t].data)[j];
      want /= total;
      REQUIRE((*got[t].data)[j] == Approx(want).margin(1e-7).epsilon(1e-5));
    }
  }
}

TEST_CASE("fedavg is bit-identical for the same arrival order", "[aggregate][fedavg]") {
  std::vector<named_tensors> deltas = {make_delta(1), make_delta(2), make_delta(3)};
  const std::vector<double> weights = {3, 1, 2};
  CHECK(atn::blake2b_256(aggregate({}, deltas, weights)) == atn::blake2b_256(aggregate({}, deltas, weights)));
}

TEST_CASE("a weight-0 delta is counted but contributes nothing", "[aggregate][fedavg]") {
  const auto a = make_delta(1), huge = make_delta(2, 1e6f), c = make_delta(3);
  delta_aggregator agg;
  agg.add(huge, 0.0);  // first, so the layout comes from a delta that does not contribute
  agg.add(a, 2.0);
  agg.add(huge, 0.0);
  agg.add(c, 1.0);
  CHECK(agg.count() == 4);
  CHECK(agg.contributing() == 2);
  CHECK(agg.total_weight() == 3.0);
  require_equal(agg.finish(), aggregate({}, {a, c}, {2.0, 1.0}));
}

TEST_CASE("aggregation without a positive weight is an error", "[aggregate]") {
  for (auto rule : {aggregation_rule::fedavg, aggregation_rule::median}) {
    atn::test::temp_dir dir;
    aggregator_options options;
    options.rule = rule;
    options.spill_dir = dir.path;
    delta_aggregator none(options);
    CHECK_THROWS_WITH(none.finish(), Catch::Contains("no deltas"));

    delta_aggregator zeros(options);
    zeros.add(make_delta(1), 0.0);
    zeros.add(make_delta(2), 0.0);
    CHECK_THROWS_WITH(zeros.finish(), Catch::Contains("all 2 deltas have weight 0"));
    CHECK_THROWS_AS(zeros.finish(), std::logic_error);
  }
  delta_aggregator agg;
  CHECK_THROWS_AS(agg.add(make_delta(1), -1.0), std::invalid_argument);
  CHECK_THROWS_AS(agg.add(make_delta(1), std::nan("")), std::invalid_argument);
  agg.add(make_delta(1), 1.0);
  agg.finish();
  CHECK_THROWS_AS(agg.add(make_delta(1), 1.0), std::logic_error);
}

TEST_CASE("a layout mismatch names the tensor", "[aggregate]") {
  delta_aggregator agg;
  agg.add(make_delta(1), 1.0);

  auto reshaped = make_delta(2);
  reshaped[1].shape = {13, 1};
  CHECK_THROWS_WITH(agg.add(reshaped, 1.0), Catch::Contains("'encoder.norm.bias'") && Catch::Contains("delta 1"));

  auto renamed = make_delta(3);
  renamed[2].name = "predictor.keys";
  CHECK_THROWS_WITH(agg.add(renamed, 1.0),
                    Catch::Contains("'predictor.keys'") && Catch::Contains("'predictor.queries'"));

  auto shorter = make_delta(4);
  shorter.pop_back();
  CHECK_THROWS_WITH(agg.add(shorter, 1.0), Catch::Contains("2 tensors, expected 3"));
  CHECK(agg.count() == 1);
}

TEST_CASE("median and trimmed mean match a sort-based computation", "[aggregate][robust]") {
  atn::test::temp_dir dir;
  // 70: more deltas than the sorting network serves.
  for (std::size_t n : {1u, 2u, 3u, 5u, 6u, 8u, 11u, 16u, 17u, 33u, 70u}) {
    for (std::size_t chunk : {std::size_t{7}, std::size_t{1} << 16}) {
      INFO("N " << n << ", chunk " << chunk);
      std::vector<named_tensors> deltas;
      for (std::size_t i = 0; i < n; ++i) deltas.push_back(make_delta(10 + i));
      const std::vector<double> weights(n, 1.0);
      aggregator_options options;
      options.spill_dir = dir.path;
      options.chunk_coordinates = chunk;

      options.rule = aggregation_rule::median;
      require_equal(aggregate(options, deltas, weights), direct(deltas, [](std::vector<float>& v) {
                      const std::size_t m = v.size();
                      return m % 2 == 1 ? v[m / 2] : sorted_mean(v, m / 2 - 1, m / 2 + 1);
                    }));

      options.rule = aggregation_rule::trimmed_mean;
      options.trim_fraction = 0.2;
      const std::size_t trim = std::min<std::size_t>(static_cast<std::size_t>(0.2 * n), (n - 1) / 2);
      require_equal(aggregate(options, deltas, weights),
                    direct(deltas, [&](std::vector<float>& v) { return sorted_mean(v, trim, v.size() - trim); }));
      CHECK(files_in(dir.path) == 0);
    }
  }
}

TEST_CASE("trimmed mean keeps at least one value", "[aggregate][robust]") {
  atn::test::temp_dir dir;
  std::vector<named_tensors> deltas;
  for (int i = 0; i < 5; ++i) deltas.push_back(make_delta(20 + i));
  aggregator_options options;
  options.spill_dir = dir.path;
  options.rule = aggregation_rule::trimmed_mean;
  options.trim_fraction = 0.5;  // would trim everything: keeps the middle value, the median
  const auto trimmed = aggregate(options, deltas, std::vector<double>(5, 1.0));
  options.rule = aggregation_rule::median;
  require_equal(trimmed, aggregate(options, deltas, std::vector<double>(5, 1.0)));

  options.trim_fraction = 0.6;
  CHECK_THROWS_AS(delta_aggregator(options), std::invalid_argument);
}

TEST_CASE("median and trimmed mean ignore a Byzantine delta; fedavg does not", "[aggregate][robust]") {
  atn::test::temp_dir dir;
  std::vector<named_tensors> deltas;
  for (int i = 0; i < 6; ++i) deltas.push_back(make_delta(30 + i, 0.01f, 0.5f));  // honest: 0.49 .. 0.51
  deltas.insert(deltas.begin() + 3, make_delta(99, 0.0f, 1e30f));                 // Byzantine
  const std::vector<double> weights(deltas.size(), 1.0);

  aggregator_options options;
  options.spill_dir = dir.path;
  options.trim_fraction = 0.15;  // N = 7: one value trimmed each side
  for (auto rule : {aggregation_rule::median, aggregation_rule::trimmed_mean}) {
    INFO(atn::to_string(rule));
    options.rule = rule;
    for (const auto& t : aggregate(options, deltas, weights))
      for (float v : *t.data) REQUIRE((v >= 0.49f && v <= 0.51f));
  }
  for (const auto& t : aggregate({}, deltas, weights))
    for (float v : *t.data) REQUIRE(v > 1e28f);
}

TEST_CASE("robust rules do not depend on arrival order", "[aggregate][robust]") {
  atn::test::temp_dir dir;
  std::vector<named_tensors> deltas;
  for (int i = 0; i < 6; ++i) deltas.push_back(make_delta(40 + i));
  auto reversed = deltas;
  std::reverse(reversed.begin(), reversed.end());
  aggregator_options options;
  options.spill_dir = dir.path;
  for (auto rule : {aggregation_rule::median, aggregation_rule::trimmed_mean}) {
    options.rule = rule;
    const std::vector<double> w(6, 1.0);
    CHECK(atn::blake2b_256(aggregate(options, deltas, w)) == atn::blake2b_256(aggregate(options, reversed, w)));
  }
}

TEST_CASE("spill files are removed after finish and on destruction", "[aggregate][robust]") {
  atn::test::temp_dir dir;
  aggregator_options options;
  options.rule = aggregation_rule::median;
  options.spill_dir = dir.path;
  {
    delta_aggregator agg(options);
    agg.add(make_delta(1), 1.0);
    agg.add(make_delta(2), 0.0);  // not spilled
    agg.add(make_delta(3), 1.0);
    REQUIRE(agg.spill_files().size() == 2);
    for (const auto& f : agg.spill_files()) {
      REQUIRE(std::filesystem::exists(f));
      CHECK(std::filesystem::file_size(f) == (35 + 13 + 60) * sizeof(float));
    }
    CHECK(files_in(dir.path) == 2);
    agg.finish();
    CHECK(agg.spill_files().empty());
    CHECK(files_in(dir.path) == 0);
  }
  {
    delta_aggregator agg(options);
    agg.add(make_delta(1), 1.0);
    CHECK(files_in(dir.path) == 1);
  }
  CHECK(files_in(dir.path) == 0);
}

TEST_CASE("robust rules reject non-finite deltas", "[aggregate][robust]") {
  atn::test::temp_dir dir;
  aggregator_options options;
  options.rule = aggregation_rule::trimmed_mean;
  options.spill_dir = dir.path;
  delta_aggregator agg(options);
  auto bad = make_delta(1);
  auto values = std::make_shared<std::vector<float>>(*bad[0].data);
  (*values)[3] = std::nanf("");
  bad[0].data = values;
  CHECK_THROWS_WITH(agg.add(bad, 1.0), Catch::Contains("non-finite"));
  CHECK(agg.count() == 0);
}

TEST_CASE("aggregation rules parse from their names", "[aggregate]") {
  for (auto rule : {aggregation_rule::fedavg, aggregation_rule::trimmed_mean, aggregation_rule::median})
    CHECK(atn::parse_aggregation_rule(atn::to_string(rule)) == rule);
  CHECK_THROWS_WITH(atn::parse_aggregation_rule("mean"), Catch::Contains("'mean'"));
}
