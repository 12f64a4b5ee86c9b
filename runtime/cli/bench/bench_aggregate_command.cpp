// `atn-node bench aggregate`: the aggregator's fedavg throughput against memcpy of the same bytes,
// measured side by side in one run; the robust rules' throughput when asked for.
//
// Bytes are counted as delta payload: K deltas of P float32 values are K·P·4 bytes, whether they are
// averaged into the accumulator (fedavg reads them and reads+writes the accumulator) or memcpy'd,
// delta after delta, into one destination buffer of P floats (reads them and writes the
// destination). The ratio is memcpy time / fedavg time for the same K·P·4 bytes.
#include "runtime/cli/commands.hpp"
#include "runtime/protocol/delta_aggregator.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace atn {
namespace {

struct bench_aggregate_settings {
  std::int64_t params = 20'000'000;
  int nodes = 8;
  std::string rule = "fedavg";
  int repeat = 5;
  std::string spill_dir;
  bool json = false;
};

using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

// A delta of `params` values in ten tensors (the last takes the remainder), small sign-mixed values
// from xorshift: not compressible, cheap to make.
named_tensors synthetic_delta(std::int64_t params, std::uint64_t seed) {
  constexpr int tensors = 10;
  named_tensors out;
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int t = 0; t < tensors; ++t) {
    const std::int64_t n = t + 1 < tensors ? params / tensors : params - (tensors - 1) * (params / tensors);
    auto data = std::make_shared<std::vector<float>>(static_cast<std::size_t>(n));
    for (auto& v : *data) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      v = (static_cast<float>(x >> 40) / static_cast<float>(1 << 24) - 0.5f) * 2e-3f;
    }
    char name[32];
    std::snprintf(name, sizeof name, "layer.%02d.weight", t);
    out.push_back({name, {n}, std::move(data)});
  }
  return out;
}

// memcpy of every delta, tensor by tensor, into one destination of the same layout.
double run_memcpy(const std::vector<named_tensors>& deltas, std::vector<std::vector<float>>& dst) {
  const auto start = bench_clock::now();
  for (const auto& d : deltas)
    for (std::size_t i = 0; i < d.size(); ++i)
      std::memcpy(dst[i].data(), d[i].data->data(), d[i].data->size() * sizeof(float));
  return seconds_since(start);
}

struct aggregator_run {
  double seconds = 0;         // add() of every delta plus finish()
  double finish_seconds = 0;  // finish() alone: the robust rules' coordinate pass
};

// A fresh aggregator per run, as each round has: accumulator allocation and finish() included.
aggregator_run run_aggregator(const std::vector<named_tensors>& deltas, aggregator_options options) {
  const auto start = bench_clock::now();
  delta_aggregator agg(options);
  for (std::size_t i = 0; i < deltas.size(); ++i) agg.add(deltas[i], 1.0 + static_cast<double>(i));
  const auto finish_start = bench_clock::now();
  const auto result = agg.finish();
  aggregator_run r;
  r.seconds = seconds_since(start);
  r.finish_seconds = seconds_since(finish_start);
  if (result.empty()) throw std::logic_error("bench aggregate: empty result");
  return r;
}

int bench_aggregate(const bench_aggregate_settings& settings) {
  if (settings.params < 10) throw std::invalid_argument("--params must be at least 10");
  if (settings.nodes < 1) throw std::invalid_argument("--nodes must be at least 1");
  if (settings.repeat < 1) throw std::invalid_argument("--repeat must be at least 1");
  const aggregation_rule rule = parse_aggregation_rule(settings.rule);

  std::vector<named_tensors> deltas;
  for (int k = 0; k < settings.nodes; ++k) deltas.push_back(synthetic_delta(settings.params, k + 1));
  std::vector<std::vector<float>> dst;
  for (const auto& t : deltas[0]) dst.emplace_back(t.data->size(), 0.0f);  // touched: no page faults timed

  const double bytes = static_cast<double>(settings.nodes) * static_cast<double>(settings.params) * sizeof(float);
  aggregator_options fedavg;
  // Best of `repeat`, alternating which goes first so neither always inherits a warm cache.
  double copy = 1e300, average = 1e300;
  for (int r = 0; r < settings.repeat; ++r) {
    if (r % 2 == 1) copy = std::min(copy, run_memcpy(deltas, dst));
    average = std::min(average, run_aggregator(deltas, fedavg).seconds);
    if (r % 2 == 0) copy = std::min(copy, run_memcpy(deltas, dst));
  }
  const double ratio = copy / average;

  aggregator_run robust_run;
  if (rule != aggregation_rule::fedavg) {
    aggregator_options options;
    options.rule = rule;
    if (!settings.spill_dir.empty()) options.spill_dir = settings.spill_dir;
    robust_run = run_aggregator(deltas, options);  // one run: spill and coordinate pass are slow
  }
  const double robust = robust_run.seconds;

  const double gb = bytes / 1e9;
  if (settings.json) {
    nlohmann::ordered_json j = {
        {"params", settings.params},
        {"nodes", settings.nodes},
        {"delta_bytes", bytes},
        {"bytes_counted", "delta payload K*P*4, for memcpy and aggregator alike"},
        {"repeat", settings.repeat},
        {"memcpy", {{"seconds", copy}, {"gb_per_s", gb / copy}}},
        {"fedavg", {{"seconds", average}, {"gb_per_s", gb / average}}},
        {"ratio", ratio},
    };
    if (rule != aggregation_rule::fedavg)
      j[to_string(rule)] = {{"seconds", robust},
                            {"gb_per_s", gb / robust},
                            {"finish_seconds", robust_run.finish_seconds},
                            {"ratio", copy / robust}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("bench aggregate: %d deltas of %lld float32 values (%.2f GB of delta payload), best of %d\n",
                settings.nodes, static_cast<long long>(settings.params), gb, settings.repeat);
    std::printf(
        "  bytes counted: delta payload K*P*4 for both; memcpy reads it and writes one P-float buffer,\n"
        "  fedavg reads it and reads+writes the accumulator\n");
    std::printf("  memcpy (delta -> one buffer) : %7.2f GB/s  %7.3f s\n", gb / copy, copy);
    std::printf("  fedavg (add + finish)        : %7.2f GB/s  %7.3f s\n", gb / average, average);
    std::printf("  ratio                        : %.2f (fedavg / memcpy; target >= 0.50)\n", ratio);
    if (rule != aggregation_rule::fedavg)
      std::printf("  %-12s (spill + finish): %7.2f GB/s  %7.3f s  (finish %.3f s; %.2f of memcpy)\n",
                  to_string(rule).c_str(), gb / robust, robust, robust_run.finish_seconds, copy / robust);
  }
  return 0;
}

}  // namespace

void add_bench_aggregate_command(CLI::App& app) {
  CLI::App* bench = bench_group(app);
  auto settings = std::make_shared<bench_aggregate_settings>();
  CLI::App* sub = bench->add_subcommand(
      "aggregate", "Delta aggregation throughput (fedavg, trimmed mean, median) against memcpy of the same bytes");
  sub->add_option("--params", settings->params, "Values per delta")->capture_default_str();
  sub->add_option("--nodes", settings->nodes, "Deltas aggregated")->capture_default_str();
  sub->add_option("--rule", settings->rule, "fedavg, trimmed_mean or median (fedavg is always measured)")
      ->capture_default_str();
  sub->add_option("--repeat", settings->repeat, "Runs of memcpy and fedavg; the best counts")->capture_default_str();
  sub->add_option("--spill-dir", settings->spill_dir, "Where trimmed_mean and median spill (default: temp dir)");
  sub->add_flag("--json", settings->json, "Print one JSON object");
  bind_command(sub, [settings] { return bench_aggregate(*settings); });
}

}  // namespace atn
