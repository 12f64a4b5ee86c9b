#include "model/train_benchmark.hpp"

#include "model/byte_tokenizer.hpp"
#include "model/rng.hpp"
#include "model/schedules.hpp"
#include "model/training_batch.hpp"
#include "model/vl_jepa_trainer.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace atn {
namespace {

using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

// A field of /proc/self/status in MiB (the kernel reports kB); 0 where unavailable.
double status_mb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() && line[field.size()] == ':')
      return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}

// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
void reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Forward FLOPs of the products in one pre-norm self-attention block on [b, n, d] tokens.
double block_flops(double b, double n, double d, double mlp) {
  const double linear = 2 * b * n * (d * 3 * d + d * d + 2 * d * mlp * d);
  const double attention = 2 * 2 * b * n * n * d;  // q kᵀ and p v over all heads
  return linear + attention;
}

// Forward FLOPs of one cross-attention block: nq queries of width d attend to nk keys.
double cross_block_flops(double b, double nq, double nk, double d, double mlp) {
  const double linear = 2 * b * (nq * d * d + nk * d * 2 * d + nq * d * d + 2 * nq * d * mlp * d);
  const double attention = 2 * 2 * b * nq * nk * d;
  return linear + attention;
}

training_batch synthetic_batch(const train_benchmark_options& o) {
  training_batch b;
  b.batch = o.batch;
  rng r(o.seed);
  if (o.text) {
    b.seq_len = o.seq;
    b.tokens.resize(o.batch * o.seq);
    b.valid.assign(o.batch * o.seq, 1);
    for (std::int64_t i = 0; i < o.batch; ++i) {
      auto* row = b.tokens.data() + i * o.seq;
      for (std::int64_t j = 0; j < o.seq; ++j)
        row[j] = byte_tokenizer::byte_offset + static_cast<std::int64_t>(r.next() % 256);
      row[0] = byte_tokenizer::bos;
      row[o.seq - 1] = byte_tokenizer::eos;
    }
  }
  if (o.visual) {
    const auto size = o.model.image_size;
    b.image_size = size;
    b.images.resize(o.batch * 3 * size * size);
    for (auto& v : b.images) v = static_cast<float>(r.next() % 4001) / 1000.0f - 2.0f;
  }
  b.has_text.assign(o.batch, o.text ? 1 : 0);
  b.has_visual.assign(o.batch, o.visual ? 1 : 0);
  b.labels.assign(o.batch, 0);
  return b;
}

}  // namespace

jepa_step_flops count_step_flops(const model_config& c, const jepa_step_shapes& s) {
  const double b = static_cast<double>(s.batch), d = static_cast<double>(c.embed_dim);
  const double dp = static_cast<double>(c.predictor_dim), mlp = static_cast<double>(c.mlp_ratio);
  const bool text = s.seq > 0;
  double fwd_online = 0, fwd_target = 0;
  const double tc = static_cast<double>(s.text_context), tt = static_cast<double>(s.text_targets);
  const double ic = static_cast<double>(s.image_context), it = static_cast<double>(s.image_targets);
  const double patches = static_cast<double>(c.num_patches());
  const double patch_in = 3.0 * c.patch_size * c.patch_size;

  // Context encoders on the visible tokens; targets on all of them.
  if (text) {
    fwd_online += c.text_depth * block_flops(b, tc, d, mlp);
    fwd_target += c.text_depth * block_flops(b, static_cast<double>(s.seq), d, mlp);
  }
  if (s.visual) {
    fwd_online += 2 * b * ic * patch_in * d + c.vit_depth * block_flops(b, ic, d, mlp);
    fwd_target += 2 * b * patches * patch_in * d + c.vit_depth * block_flops(b, patches, d, mlp);
  }
  // Fusion: each present modality attends to the absent embedding plus the other's context.
  for (std::int64_t i = 0; i < c.fusion_depth; ++i) {
    if (text) fwd_online += cross_block_flops(b, tc, 1 + (s.visual ? ic : 0), d, mlp);
    if (s.visual) fwd_online += cross_block_flops(b, ic, 1 + (text ? tc : 0), d, mlp);
  }
  // Predictors: embed the context, run context + mask tokens, project the targets.
  auto predictor = [&](double nc, double nt) {
    return 2 * b * nc * d * dp + c.predictor_depth * block_flops(b, nc + nt, dp, mlp) + 2 * b * nt * dp * d;
  };
  if (text && s.text_targets > 0) fwd_online += predictor(tc, tt);
  if (s.visual) fwd_online += predictor(ic, it);
  // Semantic head: K queries over the joint context (online) and the full view (target).
  const double k = static_cast<double>(c.semantic_queries);
  const double joint_ctx = (text ? tc : 0) + (s.visual ? ic : 0);
  const double joint_full = (text ? static_cast<double>(s.seq) : 0) + (s.visual ? patches : 0);
  double semantic_forward_only = 0;
  if (s.semantic) {
    fwd_online += 2 * cross_block_flops(b, k, joint_ctx, d, mlp);
    fwd_target += 2 * cross_block_flops(b, k, joint_full, d, mlp);
  } else if (s.decoder && text) {
    semantic_forward_only = 2 * cross_block_flops(b, k, joint_ctx, d, mlp);  // detached input only
  }
  if (s.decoder && text) {
    const double t = static_cast<double>(std::min(s.decoder_tokens, s.seq));
    if (t >= 2) {
      fwd_online += c.decoder_depth * block_flops(b, k + t, d, mlp) + 2 * b * t * d * c.vocab_size;
    }
  }
  jepa_step_flops f;
  f.online = 3 * fwd_online;
  f.target = fwd_target + semantic_forward_only;
  return f;
}

double measure_matmul_gflops(std::int64_t n, double min_seconds) {
  torch::NoGradGuard no_grad;
  auto a = torch::randn({n, n});
  auto bm = torch::randn({n, n});
  auto c = torch::empty({n, n});
  torch::mm_out(c, a, bm);  // warm-up: thread pools, page faults
  const double flops = 2.0 * static_cast<double>(n) * n * n;
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    int reps = 0;
    const auto start = bench_clock::now();
    double elapsed = 0;
    do {
      torch::mm_out(c, a, bm);
      ++reps;
      elapsed = seconds_since(start);
    } while (elapsed < min_seconds / 3);
    best = std::max(best, flops * reps / elapsed / 1e9);
  }
  // OpenBLAS's worker threads spin for about 0.1 s after a product before they sleep: let them,
  // so that they do not compete with whatever is timed next.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return best;
}

train_benchmark_result run_train_benchmark(const train_benchmark_options& o) {
  if (!o.text && !o.visual) throw std::invalid_argument("the benchmark needs text, visual or both");
  if (o.batch < 1) throw std::invalid_argument("--batch must be at least 1");
  if (o.text && o.seq < 16) throw std::invalid_argument("--seq must be at least 16");
  if (o.steps < 1 || o.warmup < 0) throw std::invalid_argument("--steps must be at least 1 and --warmup at least 0");
  model_config mc = o.model;
  if (o.text) mc.max_seq_length = std::max(mc.max_seq_length, o.seq);
  validate(mc);
  train_benchmark_options opts = o;
  opts.model = mc;
  train_config tc = o.train;
  tc.steps = o.warmup + o.steps;
  tc.warmup_steps = std::max<std::int64_t>(1, o.warmup);
  tc.batch_size = o.batch;
  tc.threads = o.threads;
  tc.seed = o.seed;

  configure_torch_threads(o.threads);
  train_benchmark_result r;
  r.threads = torch::get_num_threads();
  r.matmul_gflops_before = measure_matmul_gflops(o.matmul_size);

  const auto batch = synthetic_batch(opts);
  r.rss_before_mb = status_mb("VmRSS");
  reset_peak_rss();
  {
    vl_jepa_trainer trainer(mc, tc);
    r.device = trainer.device_name();
    for (std::int64_t step = 0; step < tc.steps; ++step) {
      // Other processes make the machine's rate drift: every timed step is bracketed by short
      // matmul measurements and compared with the faster of its two.
      if (step >= o.warmup && r.bracket_gflops.empty())
        r.bracket_gflops.push_back(measure_matmul_gflops(o.matmul_size, o.bracket_seconds));
      const auto start = bench_clock::now();
      auto m = trainer.train_step(batch);
      trainer.update_targets(ema_momentum_at(step, tc.steps, tc.ema_start, tc.ema_end));
      const double seconds = seconds_since(start);
      r.final_loss = m.loss;
      r.finite = r.finite && m.finite;
      jepa_step_shapes s;
      s.batch = o.batch;
      s.seq = o.text ? o.seq : 0;
      s.text_context = m.text.context_slots;
      s.text_targets = m.text.target_slots;
      s.visual = o.visual;
      s.image_context = m.visual.context_slots;
      s.image_targets = m.visual.target_slots;
      s.semantic = tc.semantic_loss_weight > 0;
      s.decoder = tc.decoder_loss_weight > 0;
      s.decoder_tokens = tc.decoder_tokens;
      r.last_shapes = s;
      r.tokens_per_step = m.tokens;
      r.images_per_step = m.images;
      if (step < o.warmup) continue;
      r.step_seconds.push_back(seconds);
      r.step_flops.push_back(count_step_flops(mc, s).total());
      r.bracket_gflops.push_back(measure_matmul_gflops(o.matmul_size, o.bracket_seconds));
    }
    r.peak_rss_mb = status_mb("VmHWM");
  }
  r.peak_growth_mb = r.peak_rss_mb - r.rss_before_mb;
  r.matmul_gflops_after = measure_matmul_gflops(o.matmul_size);
  r.matmul_gflops = std::max(r.matmul_gflops_before, r.matmul_gflops_after);

  std::vector<double> rates, ratios;
  double flops_sum = 0;
  for (std::size_t i = 0; i < r.step_seconds.size(); ++i) {
    const double rate = r.step_flops[i] / r.step_seconds[i] / 1e9;
    rates.push_back(rate);
    ratios.push_back(rate / std::max(r.bracket_gflops[i], r.bracket_gflops[i + 1]));
    flops_sum += r.step_flops[i];
  }
  for (double g : r.bracket_gflops) r.matmul_gflops = std::max(r.matmul_gflops, g);
  r.median_step_seconds = median(r.step_seconds);
  r.mean_step_flops = flops_sum / static_cast<double>(r.step_flops.size());
  r.achieved_gflops = median(rates);
  r.ratio = median(ratios);
  r.ratio_to_best = r.matmul_gflops > 0 ? r.achieved_gflops / r.matmul_gflops : 0;
  r.tokens_per_second = static_cast<double>(r.tokens_per_step) / r.median_step_seconds;
  r.images_per_second = static_cast<double>(r.images_per_step) / r.median_step_seconds;
  return r;
}

}  // namespace atn
