#include "runtime/protocol/yuma_epoch.hpp"
#include "runtime/protocol/yuma_json.hpp"

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using atn::yuma_input;
using atn::yuma_matrix;
using atn::yuma_output;

namespace {

constexpr double u16_max = 65535.0;

double total(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

void check_vector(const std::vector<double>& got, const std::vector<double>& want, double margin,
                  const std::string& what) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("index " << i);
    CHECK(got[i] == Approx(want[i]).margin(margin));
  }
}

// Column `col` of a matrix.
std::vector<double> column(const yuma_matrix& m, std::size_t col) {
  std::vector<double> out;
  for (const auto& row : m) out.push_back(row.at(col));
  return out;
}

// subtensor stores bonds as u16 (floor of the proportion times u16::MAX); its tests assert those.
std::vector<double> u16_fractions(std::initializer_list<double> raw) {
  std::vector<double> out;
  for (double r : raw) out.push_back(r / u16_max);
  return out;
}

std::filesystem::path fresh_temp_dir(const std::string& name) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(rd()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

// subtensor pallets/subtensor/src/tests/epoch.rs `test_bonds`: n = 8, stake [1, 2, 3, 4, 0, 0, 0, 0]
// (uids 0-3 validate, 4-7 serve), bonds_penalty u16::MAX, bonds_moving_average 0.9 (900_000),
// kappa 32767, liquid alpha and Yuma 3 off. Each epoch feeds the previous epoch's bonds back.
// Bonds are checked against the test's assert_eq! values (u16), incentive and dividends against
// the trace the test records in comments (D, I, nE, C, Tv, R (after), T), all to 1e-4.
TEST_CASE("yuma reproduces subtensor test_bonds epoch by epoch", "[yuma][subtensor]") {
  yuma_input in;
  in.stake = {1, 2, 3, 4, 0, 0, 0, 0};
  in.weights = yuma_matrix(8, std::vector<double>(8, 0.0));
  in.bonds_penalty = 1.0;
  const double tol = 1e-4;
  const std::vector<double> stake_share = {0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0};
  const std::vector<double> zeros(8, 0.0);
  // The weights set_weights stores for [u16::MAX/4, u16::MAX/2, (u16::MAX/4)*3, u16::MAX].
  const std::vector<double> server_weights = {0, 0, 0, 0, 16383, 32767, 49149, 65535};
  auto self_weight = [&](std::size_t uid) {
    in.weights[uid].assign(8, 0.0);
    in.weights[uid][uid] = u16_max;
  };
  auto epoch = [&] {
    yuma_output out = atn::run_yuma_epoch(in);
    in.bonds = out.bonds;
    return out;
  };

  // Epoch 0, no weights yet: nothing earns, so validators are paid by stake.
  yuma_output out = epoch();
  check_vector(out.server_emission, zeros, 1e-12, "epoch 0 server emission");
  check_vector(out.validator_emission, stake_share, 1e-12, "epoch 0 validator emission (stake)");
  check_vector(out.dividends, zeros, 1e-12, "epoch 0 dividends");

  // Epoch 1: every validator weights servers 0.1 / 0.2 / 0.3 / 0.4.
  for (std::size_t uid = 0; uid < 4; ++uid) in.weights[uid] = server_weights;
  out = epoch();
  check_vector(column(out.bonds, 4), u16_fractions({16383, 32767, 49151, 65535, 0, 0, 0, 0}), tol,
               "epoch 1 bonds[.][4]");
  check_vector(out.consensus, {0, 0, 0, 0, 0.0999975584, 0.2000012207, 0.2999926754, 0.400008545}, tol,
               "epoch 1 consensus");
  check_vector(out.incentive, {0, 0, 0, 0, 0.0999975582, 0.2000012207, 0.2999926752, 0.4000085455}, tol,
               "epoch 1 incentive");
  check_vector(out.dividends, {0.0999999978, 0.1999999983, 0.3000000012, 0.4000000022, 0, 0, 0, 0}, tol,
               "epoch 1 dividends");
  check_vector(out.validator_trust, {1, 1, 1, 1, 0, 0, 0, 0}, tol, "epoch 1 validator trust");
  check_vector(out.trust, {0, 0, 0, 0, 1, 1, 1, 1}, tol, "epoch 1 trust");
  check_vector(out.server_emission, {0, 0, 0, 0, 0.049998779, 0.1000006103, 0.1499963375, 0.2000042726}, tol,
               "epoch 1 server emission");
  check_vector(out.validator_emission, {0.0499999989, 0.0999999992, 0.1500000006, 0.2000000011, 0, 0, 0, 0}, tol,
               "epoch 1 validator emission");

  // Epoch 2: validator 0 sets only a self-weight (masked), so its bonds decay.
  self_weight(0);
  out = epoch();
  check_vector(column(out.bonds, 4), u16_fractions({14582, 32767, 49151, 65535, 0, 0, 0, 0}), tol,
               "epoch 2 bonds[.][4]");
  check_vector(out.dividends, {0.0899967032, 0.2022211233, 0.303334432, 0.404447741, 0, 0, 0, 0}, tol,
               "epoch 2 dividends");
  check_vector(out.rank, {0, 0, 0, 0, 0.0899978022, 0.1800010982, 0.2699934072, 0.36000769}, tol, "epoch 2 rank");
  check_vector(out.validator_emission, {0.0449983515, 0.1011105615, 0.1516672159, 0.2022238704, 0, 0, 0, 0}, tol,
               "epoch 2 validator emission");

  // Epoch 3: validator 1 too.
  self_weight(1);
  out = epoch();
  check_vector(column(out.bonds, 4), u16_fractions({12603, 28321, 49151, 65535, 0, 0, 0, 0}), tol,
               "epoch 3 bonds[.][4]");
  check_vector(out.dividends, {0.0809936118, 0.1819995677, 0.3158592721, 0.421147548, 0, 0, 0, 0}, tol,
               "epoch 3 dividends");
  check_vector(out.incentive, {0, 0, 0, 0, 0.0999975582, 0.2000012207, 0.2999926754, 0.4000085455}, tol,
               "epoch 3 incentive");

  // Epoch 4: validator 2 too; validator 3 alone (40 %) is no majority: no consensus, nothing
  // earns, and emission falls back to stake.
  self_weight(2);
  out = epoch();
  check_vector(column(out.bonds, 7), u16_fractions({12602, 28320, 49150, 65535, 0, 0, 0, 0}), tol,
               "epoch 4 bonds[.][7]");
  check_vector(out.consensus, zeros, 1e-12, "epoch 4 consensus");
  check_vector(out.incentive, zeros, 1e-12, "epoch 4 incentive");
  check_vector(out.dividends, zeros, 1e-12, "epoch 4 dividends");
  check_vector(out.server_emission, zeros, 1e-12, "epoch 4 server emission");
  check_vector(out.validator_emission, stake_share, tol, "epoch 4 validator emission (stake)");

  // Epoch 5: validator 2 weights only server 7.
  in.weights[2] = {0, 0, 0, 0, 0, 0, 0, u16_max};
  out = epoch();
  check_vector(column(out.bonds, 7), u16_fractions({10951, 24609, 49150, 65535, 0, 0, 0, 0}), tol,
               "epoch 5 bonds[.][7]");
  check_vector(out.consensus, {0, 0, 0, 0, 0, 0, 0, 0.400008545}, tol, "epoch 5 consensus");
  check_vector(out.validator_trust, {0, 0, 0.400008545, 0.400008545, 0, 0, 0, 0}, tol, "epoch 5 validator trust");
  check_vector(out.rank, {0, 0, 0, 0, 0, 0, 0, 0.2800059812}, tol, "epoch 5 rank");
  check_vector(out.trust, {0, 0, 0, 0, 0, 0, 0, 0.6087041323}, tol, "epoch 5 trust");
  check_vector(out.incentive, {0, 0, 0, 0, 0, 0, 0, 1}, tol, "epoch 5 incentive");
  check_vector(out.dividends, {0.0728874663, 0.1637972582, 0.3271309866, 0.4361842885, 0, 0, 0, 0}, tol,
               "epoch 5 dividends");
  check_vector(out.server_emission, {0, 0, 0, 0, 0, 0, 0, 0.5}, tol, "epoch 5 server emission");
  check_vector(out.validator_emission, {0.0364437331, 0.081898629, 0.1635654932, 0.2180921442, 0, 0, 0, 0}, tol,
               "epoch 5 validator emission");

  // Epochs 6-8: same weights; bonds on server 7 keep moving towards validators 2 and 3.
  out = epoch();
  check_vector(column(out.bonds, 7), u16_fractions({9559, 21482, 49150, 65535, 0, 0, 0, 0}), tol,
               "epoch 6 bonds[.][7]");
  check_vector(out.dividends, {0.0655988548, 0.1474132247, 0.3372762585, 0.4497116616, 0, 0, 0, 0}, tol,
               "epoch 6 dividends");
  out = epoch();
  check_vector(column(out.bonds, 7), u16_fractions({8376, 18824, 49150, 65535, 0, 0, 0, 0}), tol,
               "epoch 7 bonds[.][7]");
  check_vector(out.dividends, {0.0590361361, 0.1326722752, 0.3464062694, 0.4618853189, 0, 0, 0, 0}, tol,
               "epoch 7 dividends");
  out = epoch();
  check_vector(column(out.bonds, 7), {0.1123638137, 0.2525234516, 0.7499832308, 1, 0, 0, 0, 0}, tol,
               "epoch 8 bonds[.][7] (trace)");
  check_vector(out.dividends, {0.053130352, 0.1194037423, 0.3546237142, 0.472842191, 0, 0, 0, 0}, tol,
               "epoch 8 dividends");
  check_vector(out.validator_emission, {0.026565176, 0.0597018711, 0.177311857, 0.2364210954, 0, 0, 0, 0}, tol,
               "epoch 8 validator emission");
}

// subtensor pallets/subtensor/src/tests/math.rs `test_math_weighted_median_col`.
TEST_CASE("stake-weighted median per column matches subtensor's vectors", "[yuma][subtensor]") {
  CHECK(atn::stake_weighted_median_col({0, 0}, {{0, 0}, {0, 0}}, 0.5) == std::vector<double>{0, 0});

  const yuma_matrix w1 = {{0, 0.1, 0}, {0, 0.2, 0.4}, {0, 0.3, 0.1}, {0, 0.4, 0.5}};
  const std::vector<double> s1 = {0, 0.75, 0.25, 0};
  CHECK(atn::stake_weighted_median_col(s1, w1, 0.24) == std::vector<double>{0, 0.3, 0.4});
  CHECK(atn::stake_weighted_median_col(s1, w1, 0.26) == std::vector<double>{0, 0.2, 0.4});
  CHECK(atn::stake_weighted_median_col(s1, w1, 0.76) == std::vector<double>{0, 0.2, 0.1});

  const yuma_matrix w2 = {{0, 0.1, 0}, {0, 0.2, 0.4}, {0, 0.3, 0.1}, {0, 0, 0.5}};
  CHECK(atn::stake_weighted_median_col({0, 0.3, 0.2, 0.5}, w2, 0.51) == std::vector<double>{0, 0, 0.4});

  // Exactly half the stake: enough at the default kappa (just under 1/2), not at 0.51.
  CHECK(atn::stake_weighted_median_col({1, 1}, {{0}, {1}}, 32767.0 / 65535.0) == std::vector<double>{1});
  CHECK(atn::stake_weighted_median_col({1, 1}, {{0}, {1}}, 0.51) == std::vector<double>{0});
}

// A cabal: a small validator (10 % of stake) weights only its own server; the honest majority
// weights only theirs. Consensus clips the cabal server to 0.
TEST_CASE("a minority validator cannot earn incentive for its own server", "[yuma][cabal]") {
  // uids 0-2 honest validators, 3 the cabal validator, 4 the honest server, 5 the cabal server.
  yuma_input in;
  in.stake = {30, 30, 30, 10, 0, 0};
  in.weights = yuma_matrix(6, std::vector<double>(6, 0.0));
  for (std::size_t v = 0; v < 3; ++v) in.weights[v][4] = 1.0;
  in.weights[3][5] = 1.0;

  for (double penalty : {1.0, 0.5, 0.0}) {
    in.bonds = {};
    in.bonds_penalty = penalty;
    INFO("bonds_penalty " << penalty);
    yuma_output out;
    for (int e = 0; e < 3; ++e) {  // bonds build up over a few epochs
      out = atn::run_yuma_epoch(in);
      in.bonds = out.bonds;
    }
    CHECK(out.consensus[5] == 0.0);
    CHECK(out.consensus[4] == Approx(1.0));
    CHECK(out.clipped_weights[3][5] == 0.0);
    CHECK(out.validator_trust[3] == 0.0);
    CHECK(out.incentive[5] == 0.0);
    CHECK(out.incentive[4] == Approx(1.0));
    CHECK(out.server_emission[5] == 0.0);
    CHECK(out.server_emission[4] == Approx(0.5));
    // The cabal may hold bonds on its server (when unpenalised), but they pay nothing.
    CHECK(out.dividends[3] == 0.0);
    CHECK(out.validator_emission[3] == 0.0);
    for (std::size_t v = 0; v < 3; ++v) CHECK(out.validator_emission[v] == Approx(0.5 / 3));
  }
  // With the penalty the cabal holds no bond on its server; without it, it does.
  in.bonds = {};
  in.bonds_penalty = 1.0;
  CHECK(atn::run_yuma_epoch(in).bonds[3][5] == 0.0);
  in.bonds_penalty = 0.0;
  CHECK(atn::run_yuma_epoch(in).bonds[3][5] == Approx(1.0));
}

TEST_CASE("emission splits half to servers and half to validators", "[yuma]") {
  yuma_input in;
  in.stake = {5, 3, 2, 0};
  in.weights = {{0, 1, 2, 7}, {4, 0, 1, 5}, {1, 1, 0, 8}, {9, 9, 9, 9}};
  yuma_output out = atn::run_yuma_epoch(in);
  CHECK(total(out.server_emission) == Approx(0.5));
  CHECK(total(out.validator_emission) == Approx(0.5));
  CHECK(total(out.incentive) == Approx(1.0));
  CHECK(total(out.dividends) == Approx(1.0));
  // uid 3 has no stake: its weights are ignored and it earns no dividends.
  CHECK(out.clipped_weights[3] == std::vector<double>(4, 0.0));
  CHECK(out.dividends[3] == 0.0);
  // Self-weights are masked.
  for (std::size_t i = 0; i < 4; ++i) CHECK(out.clipped_weights[i][i] == 0.0);
  // Clipped weights never exceed consensus; trust is rank over pre-clip rank, in [0, 1].
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) CHECK(out.clipped_weights[i][j] <= out.consensus[j]);
  for (double t : out.trust) CHECK((t >= 0.0 && t <= 1.0 + 1e-12));
  // Stored bonds are column max-upscaled; ema_bonds columns sum to 1 where non-empty.
  for (std::size_t j = 0; j < 4; ++j) {
    const auto b = column(out.bonds, j);
    const auto e = column(out.ema_bonds, j);
    if (total(e) == 0.0) continue;
    CHECK(*std::max_element(b.begin(), b.end()) == Approx(1.0));
    CHECK(total(e) == Approx(1.0));
  }
  // Bonds scale does not matter: the stored (max-upscaled) and column-normalised forms agree.
  yuma_input a = in, b = in;
  a.bonds = out.bonds;
  b.bonds = out.ema_bonds;
  const yuma_output oa = atn::run_yuma_epoch(a), ob = atn::run_yuma_epoch(b);
  for (std::size_t i = 0; i < 4; ++i) CHECK(oa.dividends[i] == Approx(ob.dividends[i]));
}

TEST_CASE("without usable weights emission falls back to stake", "[yuma][fallback]") {
  yuma_input in;
  in.stake = {2, 6, 0, 0};
  SECTION("no weights at all") { in.weights = yuma_matrix(4, std::vector<double>(4, 0.0)); }
  SECTION("only self-weights") { in.weights = {{1, 0, 0, 0}, {0, 3, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}; }
  SECTION("weights only from uids without stake") {
    in.weights = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 1, 0}};
  }
  const yuma_output out = atn::run_yuma_epoch(in);
  CHECK(out.server_emission == std::vector<double>(4, 0.0));
  CHECK(out.dividends == std::vector<double>(4, 0.0));
  REQUIRE(out.validator_emission.size() == 4);
  CHECK(out.validator_emission[0] == Approx(0.25));
  CHECK(out.validator_emission[1] == Approx(0.75));
  CHECK(out.validator_emission[2] == 0.0);
  CHECK(out.validator_emission[3] == 0.0);
}

TEST_CASE("kappa decides how much stake a weight needs", "[yuma]") {
  // Two equal validators disagree on server 2: one says everything, the other nothing.
  yuma_input in;
  in.stake = {1, 1, 0};
  in.weights = {{0, 0, 1}, {0, 0, 0}, {0, 0, 0}};
  CHECK(atn::run_yuma_epoch(in).consensus[2] == 1.0);  // default kappa: half is enough
  in.kappa = 0.51;
  const yuma_output out = atn::run_yuma_epoch(in);
  CHECK(out.consensus[2] == 0.0);
  CHECK(out.incentive == std::vector<double>(3, 0.0));
}

TEST_CASE("yuma input validation names the field", "[yuma][validation]") {
  auto valid = [] {
    yuma_input in;
    in.stake = {1, 1};
    in.weights = {{0, 1}, {1, 0}};
    return in;
  };
  auto fails_with = [](const yuma_input& in, const std::string& text) {
    INFO("expected an error containing: " << text);
    try {
      atn::run_yuma_epoch(in);
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Catch::Contains(text));
    }
  };
  REQUIRE_NOTHROW(atn::run_yuma_epoch(valid()));

  auto in = valid();
  in.stake[1] = -1;
  fails_with(in, "stake[1]");
  in = valid();
  in.stake[0] = std::nan("");
  fails_with(in, "stake[0]");
  in = valid();
  in.weights.pop_back();
  fails_with(in, "weights has 1 rows, expected 2");
  in = valid();
  in.weights[1].push_back(0);
  fails_with(in, "weights[1] has 3 entries, expected 2");
  in = valid();
  in.weights[0][1] = std::nan("");
  fails_with(in, "weights[0][1]");
  in = valid();
  in.weights[1][0] = -0.5;
  fails_with(in, "weights[1][0]");
  in = valid();
  in.weights[1][0] = INFINITY;
  fails_with(in, "weights[1][0]");
  in = valid();
  in.bonds = {{0, 1}};
  fails_with(in, "bonds has 1 rows");
  in = valid();
  in.bonds = {{0, 1}, {1, -2}};
  fails_with(in, "bonds[1][1]");
  in = valid();
  in.kappa = 1.5;
  fails_with(in, "kappa");
  in = valid();
  in.bonds_moving_average = -0.1;
  fails_with(in, "bonds_moving_average");
  in = valid();
  in.bonds_penalty = std::nan("");
  fails_with(in, "bonds_penalty");

  // An empty network is valid and gives empty output.
  const yuma_output empty = atn::run_yuma_epoch(yuma_input{});
  CHECK(empty.consensus.empty());
  CHECK(empty.bonds.empty());
}

TEST_CASE("yuma JSON input is parsed with defaults and checked", "[yuma][json]") {
  const yuma_input in = atn::parse_yuma_input(R"({"stake": [1, 2.5],
      "weights": [[0, 1], [3, 0]]})");
  CHECK(in.stake == std::vector<double>{1, 2.5});
  CHECK(in.weights == yuma_matrix{{0, 1}, {3, 0}});
  CHECK(in.bonds.empty());
  CHECK(in.kappa == 32767.0 / 65535.0);
  CHECK(in.bonds_moving_average == 0.9);
  CHECK(in.bonds_penalty == 1.0);

  const yuma_input full = atn::parse_yuma_input(
      R"({"stake": [1, 1], "weights": [[0, 1], [1, 0]], "bonds": [[0, 1], [1, 0]],
          "kappa": 0.6, "bonds_moving_average": 0.5, "bonds_penalty": 0})");
  CHECK(full.bonds == yuma_matrix{{0, 1}, {1, 0}});
  CHECK(full.kappa == 0.6);
  CHECK(full.bonds_moving_average == 0.5);
  CHECK(full.bonds_penalty == 0.0);

  auto fails_with = [](const std::string& json, const std::string& text) {
    INFO(json << "\nexpected an error containing: " << text);
    try {
      atn::parse_yuma_input(json);
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Catch::Contains(text));
    }
  };
  fails_with(R"({"stake": [1, 1], "weights": [[0, 1], [1, 0]],)", "not valid JSON");
  fails_with(R"([1, 2])", "object");
  fails_with(R"({"weights": [[0]]})", "stake: missing");
  fails_with(R"({"stake": [1]})", "weights: missing");
  fails_with(R"({"stake": [1, "x"], "weights": [[0, 1], [1, 0]]})", "stake[1]: expected a number");
  fails_with(R"({"stake": [1, 1], "weights": [[0, 1], [1, null]]})", "weights[1][1]: expected a number");
  fails_with(R"({"stake": [1, 1], "weights": [[0, 1], 3]})", "weights[1]: expected an array");
  fails_with(R"({"stake": [1, 1], "weights": [[0, 1], [1]]})", "weights[1] has 1 entries");
  fails_with(R"({"stake": [1, -1], "weights": [[0, 1], [1, 0]]})", "stake[1] is -1");
  fails_with(R"({"stake": [1], "weights": [[0]], "kappa": "half"})", "kappa: expected a number");
  fails_with(R"({"stake": [1], "weights": [[0]], "kappa": 2})", "kappa is 2");
  fails_with(R"({"stake": [1], "weights": [[0]], "kapa": 0.5})", "kapa: unknown key");
  fails_with(R"({"stake": [1], "weights": [[0]], "stake": [2]})", "stake: given more than once");
}

TEST_CASE("yuma JSON output round-trips every double", "[yuma][json]") {
  yuma_input in;
  in.stake = {1, 2, 3, 4, 0, 0, 0, 0};
  in.weights = yuma_matrix(8, std::vector<double>(8, 0.0));
  for (std::size_t uid = 0; uid < 4; ++uid) in.weights[uid] = {0, 0, 0, 0, 1, 2, 3, 4};
  const yuma_output out = atn::run_yuma_epoch(in);
  const std::string text = atn::format_yuma_output(out);
  CHECK(text.find('\n') == std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  REQUIRE_FALSE(parser.parse(simdjson::padded_string(text)).get(obj));
  auto vec = [&](const char* key) {
    std::vector<double> v;
    simdjson::dom::array arr;
    REQUIRE_FALSE(obj[key].get(arr));
    for (auto e : arr) v.push_back(double(e.get_double()));
    return v;
  };
  auto mat = [&](const char* key) {
    yuma_matrix m;
    simdjson::dom::array rows;
    REQUIRE_FALSE(obj[key].get(rows));
    for (auto r : rows) {
      m.emplace_back();
      for (auto e : simdjson::dom::array(r)) m.back().push_back(double(e.get_double()));
    }
    return m;
  };
  CHECK(vec("consensus") == out.consensus);
  CHECK(vec("rank") == out.rank);
  CHECK(vec("trust") == out.trust);
  CHECK(vec("incentive") == out.incentive);
  CHECK(vec("validator_trust") == out.validator_trust);
  CHECK(vec("dividends") == out.dividends);
  CHECK(vec("server_emission") == out.server_emission);
  CHECK(vec("validator_emission") == out.validator_emission);
  CHECK(mat("clipped_weights") == out.clipped_weights);
  CHECK(mat("bonds") == out.bonds);
  CHECK(mat("ema_bonds") == out.ema_bonds);
}

TEST_CASE("the yuma command runs a JSON file end to end", "[yuma][json][command]") {
  const std::string data = std::string(ATN_SOURCE_DIR) + "/tests/data/yuma/";
  std::ostringstream out, err;

  // test_bonds epoch 5 state (weights as u16, bonds from epoch 4 as subtensor stored them).
  REQUIRE(atn::run_yuma_json(data + "test_bonds_epoch5.json", out, err) == 0);
  CHECK(err.str().empty());
  const yuma_input in = atn::read_yuma_input_file(data + "test_bonds_epoch5.json");
  CHECK(out.str() == atn::format_yuma_output(atn::run_yuma_epoch(in)) + "\n");
  const yuma_output res = atn::run_yuma_epoch(in);
  check_vector(column(res.bonds, 7), u16_fractions({10951, 24609, 49150, 65535, 0, 0, 0, 0}), 1e-4,
               "epoch 5 bonds from file");
  check_vector(res.server_emission, {0, 0, 0, 0, 0, 0, 0, 0.5}, 1e-9, "server emission from file");

  // Bad field: exit code 2 and a message naming the file and the field; nothing on `out`.
  std::ostringstream out2, err2;
  CHECK(atn::run_yuma_json(data + "bad_weights_row.json", out2, err2) == 2);
  CHECK(out2.str().empty());
  CHECK_THAT(err2.str(),
             Catch::Contains("bad_weights_row.json") && Catch::Contains("weights[2] has 3 entries, expected 4"));

  // Missing file.
  const auto dir = fresh_temp_dir("atn-yuma-test");
  std::ostringstream out3, err3;
  CHECK(atn::run_yuma_json((dir / "absent.json").string(), out3, err3) == 2);
  CHECK_THAT(err3.str(), Catch::Contains("absent.json") && Catch::Contains("cannot open"));

  // Broken JSON written on the spot.
  {
    std::ofstream f(dir / "broken.json");
    f << R"({"stake": [1, 2], "weights": [[0, 1], [1, 0]])";
  }
  std::ostringstream out4, err4;
  CHECK(atn::run_yuma_json((dir / "broken.json").string(), out4, err4) == 2);
  CHECK_THAT(err4.str(), Catch::Contains("broken.json") && Catch::Contains("not valid JSON"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("atn-node yuma prints the epoch as JSON and exits 2 on bad input", "[yuma][command][cli]") {
  const std::string data = std::string(ATN_SOURCE_DIR) + "/tests/data/yuma/";
  auto run = [](const std::string& cmd, std::string& output) {
    output.clear();
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    std::size_t got = 0;
    while ((got = std::fread(buf.data(), 1, buf.size(), p)) > 0) output.append(buf.data(), got);
    const int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string output;
  REQUIRE(run(std::string(ATN_NODE_BINARY) + " yuma --in " + data + "test_bonds_epoch5.json", output) == 0);
  const yuma_input in = atn::read_yuma_input_file(data + "test_bonds_epoch5.json");
  CHECK(output == atn::format_yuma_output(atn::run_yuma_epoch(in)) + "\n");

  CHECK(run(std::string(ATN_NODE_BINARY) + " yuma --in " + data + "bad_weights_row.json 2>&1", output) == 2);
  CHECK_THAT(output, Catch::Contains("weights[2] has 3 entries"));
}

TEST_CASE("yuma refuses input whose sums overflow a double, naming the field (issue 18)", "[yuma][validation]") {
  // The bug: stakes of 1e308 each summed to inf, every normalised value became 0, and
  // `atn-node yuma` printed all-zero results with exit 0.
  namespace fs = std::filesystem;
  const fs::path path = fs::temp_directory_path() / ("yuma_overflow_" + std::to_string(::getpid()) + ".json");
  auto run = [&](const std::string& json, std::string& error) {
    std::ofstream(path) << json;
    std::ostringstream out, err;
    const int rc = atn::run_yuma_json(path.string(), out, err);
    error = err.str();
    return rc;
  };
  std::string error;
  CHECK(run(R"({"stake": [1e308, 1e308], "weights": [[0, 1], [1, 0]]})", error) == 2);
  CHECK_THAT(error, Catch::Contains("stake") && Catch::Contains("overflow"));
  CHECK(run(R"({"stake": [1, 1], "weights": [[0, 1e308, 1e308], [1, 0, 1], [1, 1, 0]],
                 "bonds": [[0, 0, 0], [0, 0, 0], [0, 0, 0]]})",
            error) == 2);  // 3 x 3 needs 3 stakes
  CHECK(run(R"({"stake": [1, 1, 1], "weights": [[0, 1e308, 1e308], [1, 0, 1], [1, 1, 0]]})", error) == 2);
  CHECK_THAT(error, Catch::Contains("weights[0]") && Catch::Contains("overflow"));
  CHECK(run(R"({"stake": [1, 1], "weights": [[0, 1], [1, 0]], "bonds": [[0, 1e308], [0, 1e308]]})", error) == 2);
  CHECK_THAT(error, Catch::Contains("bonds") && Catch::Contains("overflow"));
  CHECK(run(R"({"stake": [1e307, 1e307], "weights": [[0, 1], [1, 0]]})", error) == 0);  // large, but sums fine
  fs::remove(path);
}
