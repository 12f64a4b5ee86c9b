// Training-step benchmark (torch-free facade): times the full VL-JEPA step on synthetic batches and
// sets it against the machine's float32 matrix-product rate, measured in the same process.
#pragma once

#include "model/model_config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace atn {

/// What one benchmark run trains and how long.
struct train_benchmark_options {
  model_config model;  ///< architecture (a preset plus overrides)
  train_config train;  ///< optimiser and loss switches (semantic / decoder weights)
  std::int64_t batch = 8;
  std::int64_t seq = 512;  ///< text tokens per sample, BOS and EOS included
  bool text = true;
  bool visual = false;
  std::int64_t steps = 5;   ///< timed steps
  std::int64_t warmup = 2;  ///< untimed steps before them
  int threads = 0;          ///< 0: configure_torch_threads' default
  std::int64_t matmul_size = 2048;
  double bracket_seconds = 0.3;  ///< length of each matmul measurement between timed steps
  std::uint64_t seed = 1;
};

/// The padded shapes one step ran on: what the analytical FLOP count needs.
struct jepa_step_shapes {
  std::int64_t batch = 0;
  std::int64_t seq = 0;           ///< text length (0: no text)
  std::int64_t text_context = 0;  ///< context slots per sample of the text encoder
  std::int64_t text_targets = 0;  ///< target slots per sample of the text predictor
  bool visual = false;
  std::int64_t image_context = 0;  ///< context patches per sample
  std::int64_t image_targets = 0;  ///< target patches per sample, all blocks
  bool semantic = false;           ///< semantic loss on (online head with gradients, target head)
  bool decoder = false;            ///< decoder loss on
  std::int64_t decoder_tokens = 0;
};

/// Matrix-product FLOPs of one step: forward 2·m·n·k per linear or attention product of every
/// module that runs; modules that get gradients count 3× (forward and two backward products), the
/// no-grad target encoders 1×. Recomputation is not work done and is never counted.
struct jepa_step_flops {
  double online = 0;  ///< context encoders, fusion, predictors, semantic head, decoder (3×)
  double target = 0;  ///< EMA target encoders and semantic head (1×)
  double total() const { return online + target; }
};

/// The analytical count for `config` at `shapes`.
jepa_step_flops count_step_flops(const model_config& config, const jepa_step_shapes& shapes);

/// One matrix-product rate measurement: C = A·B with n×n float32 operands, repeated for at least
/// `min_seconds`; returns GFLOP/s (2·n³ per product) of the best of three such rounds.
double measure_matmul_gflops(std::int64_t n, double min_seconds = 1.0);

/// The figures of one run.
struct train_benchmark_result {
  std::string device;
  int threads = 0;
  double matmul_gflops_before = 0, matmul_gflops_after = 0;  ///< 1-s measurements around the run
  std::vector<double> bracket_gflops;  ///< measured before the first timed step and after each one
  double matmul_gflops = 0;            ///< the best of all measurements
  std::vector<double> step_seconds;    ///< timed steps (train step + EMA update)
  std::vector<double> step_flops;      ///< analytical FLOPs of each timed step
  double median_step_seconds = 0;
  double mean_step_flops = 0;
  double achieved_gflops = 0;    ///< median over timed steps of FLOPs / seconds
  double ratio = 0;              ///< median over timed steps of achieved / the faster bracket
  double ratio_to_best = 0;      ///< achieved_gflops / matmul_gflops (ignores load drift)
  double tokens_per_second = 0;  ///< real text tokens per median step
  double images_per_second = 0;
  std::int64_t tokens_per_step = 0, images_per_step = 0;
  jepa_step_shapes last_shapes;
  double final_loss = 0;
  bool finite = true;
  double rss_before_mb = 0;   ///< resident set before the model was built
  double peak_rss_mb = 0;     ///< VmHWM after the run (high-water mark reset at the start)
  double peak_growth_mb = 0;  ///< peak_rss_mb − rss_before_mb
};

/// Builds the model, trains `warmup + steps` steps on one synthetic batch (random bytes and pixels;
/// masks are drawn anew each step) with the AdamW and EMA updates, and measures the matmul rate
/// right before and after. Throws std::invalid_argument for inconsistent options.
train_benchmark_result run_train_benchmark(const train_benchmark_options& options);

}  // namespace atn
