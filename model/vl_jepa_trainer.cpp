#include "model/vl_jepa_trainer.hpp"

#include "model/image_masker.hpp"
#include "model/schedules.hpp"
#include "model/text_masker.hpp"
#include "model/vl_jepa_model.hpp"

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace atn {
namespace {

using torch::indexing::Slice;

// Index lists from the torch-free maskers, as tensors on the model's device.
struct text_masks {
  torch::Tensor ctx_idx, ctx_valid, tgt_idx, tgt_valid;
};
struct image_masks {
  torch::Tensor ctx_idx, ctx_valid, tgt_idx, tgt_valid;
};

torch::Tensor long_tensor(const std::vector<std::int64_t>& v, std::int64_t rows, std::int64_t cols,
                          const torch::Device& device) {
  // copy=true: on the CPU `to` would otherwise alias the caller's vector.
  return torch::from_blob(const_cast<std::int64_t*>(v.data()), {rows, cols}, torch::kInt64)
      .to(device, torch::kInt64, false, true);
}
torch::Tensor bool_tensor(const std::vector<std::uint8_t>& v, std::int64_t rows, std::int64_t cols,
                          const torch::Device& device) {
  return torch::from_blob(const_cast<std::uint8_t*>(v.data()), {rows, cols}, torch::kUInt8)
      .to(device, torch::kBool, false, true);
}

// Per-token smooth-L1 averaged over D, then over the valid targets.
torch::Tensor masked_smooth_l1(const torch::Tensor& pred, const torch::Tensor& target, const torch::Tensor& valid) {
  auto per_token = torch::smooth_l1_loss(pred, target, torch::Reduction::None).mean(-1);
  auto w = valid.to(pred.dtype());
  return (per_token * w).sum() / w.sum().clamp_min(1.0);
}

double masked_cosine(const torch::Tensor& pred, const torch::Tensor& target, const torch::Tensor& valid) {
  auto cos = torch::cosine_similarity(pred, target, -1);
  auto w = valid.to(pred.dtype());
  return ((cos * w).sum() / w.sum().clamp_min(1.0)).item<double>();
}

// Std across samples of each sample's mean target embedding, averaged over dims: a constant
// (collapsed) encoder gives 0 whatever the positions.
double batch_spread(const torch::Tensor& target, const torch::Tensor& valid) {
  auto w = valid.to(target.dtype()).unsqueeze(-1);
  auto counts = w.sum(1);
  auto keep = counts.squeeze(-1) > 0;
  if (keep.sum().item<std::int64_t>() < 2) return 0.0;
  auto pooled = (target * w).sum(1) / counts.clamp_min(1.0);
  return pooled.index({keep}).std(0, /*unbiased=*/false).mean().item<double>();
}

image_masker_config grid_config(const model_config& m) {
  image_masker_config c;
  c.grid_height = c.grid_width = m.patches_per_side();
  return c;
}

}  // namespace

struct vl_jepa_trainer::impl {
  model_config mcfg;
  train_config tcfg;
  torch::Device device{torch::kCPU};
  vl_jepa_model model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::int64_t steps = 0;
  text_masker tmasker;
  image_masker imasker;

  impl(const model_config& m, const train_config& t)
      : mcfg(m), tcfg(t), tmasker(t.text_masking), imasker(grid_config(m)) {
    validate(mcfg);
    if (cuda_available()) device = torch::Device(torch::kCUDA);
    torch::manual_seed(tcfg.seed);
    model = vl_jepa_model(mcfg, tcfg.attention_chunk);
    model->to(device);
    build_optimizer();
  }

  void build_optimizer() {
    // No weight decay on biases and norms (1-D parameters), as in I-JEPA.
    std::vector<torch::Tensor> decay, no_decay;
    for (auto& p : model->named_parameters()) {
      if (!p.value().requires_grad()) continue;
      const bool is_bias = p.key().size() >= 4 && p.key().compare(p.key().size() - 4, 4, "bias") == 0;
      (p.value().dim() <= 1 || is_bias ? no_decay : decay).push_back(p.value());
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(tcfg.learning_rate).weight_decay(tcfg.weight_decay)));
    groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                      torch::optim::AdamWOptions(tcfg.learning_rate).weight_decay(0.0)));
    optimizer = std::make_unique<torch::optim::AdamW>(std::move(groups));
  }

  // --- inputs -------------------------------------------------------------------------------
  struct inputs {
    torch::Tensor tokens, valid, images, has_text, has_visual;
  };

  inputs to_tensors(const training_batch& b) {
    if (b.batch <= 0) throw std::invalid_argument("training batch is empty");
    inputs in;
    in.has_text = bool_tensor(b.has_text, b.batch, 1, device).view({b.batch});
    in.has_visual = bool_tensor(b.has_visual, b.batch, 1, device).view({b.batch});
    if (b.any_text()) {
      if (b.seq_len > mcfg.max_seq_length)
        throw std::invalid_argument("batch sequence length " + std::to_string(b.seq_len) + " exceeds max_seq_length " +
                                    std::to_string(mcfg.max_seq_length));
      in.tokens = long_tensor(b.tokens, b.batch, b.seq_len, device);
      in.valid = bool_tensor(b.valid, b.batch, b.seq_len, device);
    }
    if (b.any_visual()) {
      if (b.image_size != mcfg.image_size)
        throw std::invalid_argument("batch image size " + std::to_string(b.image_size) + " differs from the model's " +
                                    std::to_string(mcfg.image_size));
      in.images = torch::from_blob(const_cast<float*>(b.images.data()), {b.batch, 3, b.image_size, b.image_size},
                                   torch::kFloat32)
                      .to(device, torch::kFloat32, false, true);
    }
    return in;
  }

  text_masks make_text_masks(const training_batch& b, std::uint64_t seed) {
    std::vector<std::int64_t> lengths(b.batch, 0);
    for (std::int64_t i = 0; i < b.batch; ++i) {
      if (!b.has_text[i]) continue;  // no text: no targets; its BOS/EOS stay context
      for (std::int64_t j = 0; j < b.seq_len; ++j) lengths[i] += b.valid[i * b.seq_len + j];
    }
    auto m = tmasker.mask_batch(b.tokens.data(), b.batch, b.seq_len, lengths.data(), seed);
    // Samples without text keep their BOS/EOS as context so every row attends to something.
    for (std::int64_t i = 0; i < b.batch; ++i) {
      if (b.has_text[i]) continue;
      for (std::int64_t j = 0; j < m.n_ctx && j < 2; ++j) {
        m.ctx_idx[i * m.n_ctx + j] = j;
        m.ctx_valid[i * m.n_ctx + j] = 1;
      }
    }
    text_masks t;
    t.ctx_idx = long_tensor(m.ctx_idx, b.batch, m.n_ctx, device);
    t.ctx_valid = bool_tensor(m.ctx_valid, b.batch, m.n_ctx, device);
    t.tgt_idx = long_tensor(m.tgt_idx, b.batch, m.n_tgt, device);
    t.tgt_valid = bool_tensor(m.tgt_valid, b.batch, m.n_tgt, device);
    return t;
  }

  image_masks make_image_masks(const training_batch& b, std::uint64_t seed) {
    auto m = imasker.collate(b.batch, seed);
    image_masks t;
    t.ctx_idx = long_tensor(m.ctx_idx, b.batch, m.n_ctx, device);
    t.ctx_valid = torch::ones({b.batch, m.n_ctx}, torch::TensorOptions().dtype(torch::kBool).device(device));
    std::vector<torch::Tensor> blocks;
    for (const auto& block : m.tgt_idx) blocks.push_back(long_tensor(block, b.batch, m.n_tgt_per_block, device));
    t.tgt_idx = torch::cat(blocks, 1);  // all target blocks predicted in one predictor pass
    t.tgt_valid = bool_tensor(b.has_visual, b.batch, 1, device).expand({b.batch, t.tgt_idx.size(1)});
    return t;
  }

  // --- the JEPA objective ---------------------------------------------------------------------
  struct objective {
    torch::Tensor total;
    step_metrics metrics;
  };

  objective compute(const training_batch& b, std::uint64_t seed, bool with_decoder) {
    auto in = to_tensors(b);
    objective out;
    auto& m = out.metrics;
    m.images = 0;
    for (auto v : b.has_visual) m.images += v;
    if (in.valid.defined()) m.tokens = in.valid.sum().item<std::int64_t>();

    text_masks tm;
    image_masks im;
    torch::Tensor t_ctx, v_ctx;
    if (b.any_text()) {
      tm = make_text_masks(b, seed);
      t_ctx = model->text(in.tokens, tm.ctx_idx, tm.ctx_valid);
      m.text.context_slots = tm.ctx_idx.size(1);
    }
    if (b.any_visual()) {
      im = make_image_masks(b, seed ^ 0x5bd1e995u);
      v_ctx = model->vit(in.images, im.ctx_idx);
      m.visual.context_slots = im.ctx_idx.size(1);
    }
    auto [t_fused, v_fused] = model->fusion(t_ctx, tm.ctx_valid, v_ctx, in.has_text, in.has_visual);

    // Targets: the EMA encoders' full views, layer-normed (I-JEPA), never differentiated.
    torch::Tensor t_full, v_full;
    {
      torch::NoGradGuard no_grad;
      if (b.any_text()) t_full = model->text_target(in.tokens, torch::Tensor(), in.valid);
      if (b.any_visual()) v_full = model->vit_target(in.images, torch::Tensor());
    }

    auto total = torch::zeros({}, torch::TensorOptions().device(device));
    auto score = [&](modality_metrics& mm, const torch::Tensor& pred, const torch::Tensor& full,
                     const torch::Tensor& tgt_idx, const torch::Tensor& tgt_valid) {
      torch::Tensor target;
      {
        torch::NoGradGuard no_grad;
        target = gather_rows(torch::layer_norm(full, {full.size(-1)}), tgt_idx);
      }
      auto loss = masked_smooth_l1(pred, target, tgt_valid);
      mm.present = true;
      mm.targets = tgt_valid.sum().item<std::int64_t>();
      mm.target_slots = tgt_idx.size(1);
      mm.loss = loss.item<double>();
      torch::NoGradGuard no_grad;
      mm.cosine = masked_cosine(pred, target, tgt_valid);
      mm.spread = batch_spread(target, tgt_valid);
      return loss;
    };
    if (b.any_text() && tm.tgt_idx.size(1) > 0) {
      auto pred = model->text_predictor(t_fused, tm.ctx_idx, tm.ctx_valid, tm.tgt_idx, tm.tgt_valid);
      total = total + score(m.text, pred, t_full, tm.tgt_idx, tm.tgt_valid);
    }
    if (b.any_visual()) {
      auto pred = model->image_predictor(v_fused, im.ctx_idx, im.ctx_valid, im.tgt_idx, im.tgt_valid);
      total = total + score(m.visual, pred, v_full, im.tgt_idx, im.tgt_valid);
    }

    // K-vectors from the context against the EMA semantic head on the full view; only computed
    // when a loss reads them.
    const bool decode = with_decoder && tcfg.decoder_loss_weight > 0 && b.any_text() &&
                        std::min<std::int64_t>(tcfg.decoder_tokens, b.seq_len) >= 2;
    torch::Tensor k_online;
    if (tcfg.semantic_loss_weight > 0 || decode) {
      auto [ctx, ctx_valid] =
          joint_context(t_fused, b.any_text() ? tm.ctx_valid.logical_and(in.has_text.unsqueeze(1)) : torch::Tensor(),
                        v_fused, in.has_visual, in.has_text);
      k_online = model->semantic(ctx, ctx_valid);
    }
    if (tcfg.semantic_loss_weight > 0) {
      torch::Tensor k_target;
      {
        torch::NoGradGuard no_grad;
        auto [full, full_valid] =
            joint_context(t_full, b.any_text() ? in.valid.logical_and(in.has_text.unsqueeze(1)) : torch::Tensor(),
                          v_full, in.has_visual, in.has_text);
        k_target = model->semantic_target(full, full_valid);
        k_target = torch::layer_norm(k_target, {k_target.size(-1)});
      }
      auto sem = torch::smooth_l1_loss(k_online, k_target);
      m.semantic_loss = sem.item<double>();
      total = total + tcfg.semantic_loss_weight * sem;
    }

    // The local decoder learns to read K-vectors; detached, so it never shapes the shared model.
    if (decode) {
      const auto t = std::min<std::int64_t>(tcfg.decoder_tokens, b.seq_len);
      auto tokens = in.tokens.narrow(1, 0, t);
      auto logits = model->decoder(k_online.detach(), tokens);
      auto next = tokens.narrow(1, 1, t - 1);
      auto w = in.valid.narrow(1, 1, t - 1).logical_and(in.has_text.unsqueeze(1)).to(torch::kFloat32);
      auto ce = torch::nn::functional::cross_entropy(
                    logits.narrow(1, 0, t - 1).reshape({-1, logits.size(-1)}), next.reshape({-1}),
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                    .view_as(w);
      auto dec = (ce * w).sum() / w.sum().clamp_min(1.0);
      m.decoder_loss = dec.item<double>();
      total = total + tcfg.decoder_loss_weight * dec;
    }
    m.loss = total.item<double>();
    m.finite = std::isfinite(m.loss);
    out.total = total;
    return out;
  }

  // Concatenates text and vision tokens into one key set with its validity; a row keeps at least
  // its own modality's tokens (a text-less sample has BOS/EOS as context).
  std::pair<torch::Tensor, torch::Tensor> joint_context(const torch::Tensor& text, const torch::Tensor& text_valid,
                                                        const torch::Tensor& vision, const torch::Tensor& has_visual,
                                                        const torch::Tensor& has_text) {
    torch::Tensor vis_valid;
    if (vision.defined()) vis_valid = has_visual.view({-1, 1}).expand({vision.size(0), vision.size(1)});
    if (!text.defined()) return {vision, vis_valid};
    // A sample with neither flag set cannot occur; a text-less sample keeps BOS/EOS as keys.
    auto tv = text_valid.logical_or(has_text.logical_not().unsqueeze(1).logical_and(
        torch::arange(text.size(1), text_valid.options().dtype(torch::kLong)).lt(2).unsqueeze(0)));
    if (!vision.defined()) return {text, tv};
    return {torch::cat({text, vision}, 1), torch::cat({tv, vis_valid}, 1)};
  }

  void set_learning_rate(double lr) {
    for (auto& group : optimizer->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
};

vl_jepa_trainer::vl_jepa_trainer(const model_config& model, const train_config& train)
    : impl_(std::make_unique<impl>(model, train)) {}
vl_jepa_trainer::~vl_jepa_trainer() = default;

step_metrics vl_jepa_trainer::train_step(const training_batch& batch) {
  auto& s = *impl_;
  s.model->train();
  const double lr =
      learning_rate_at(s.steps, s.tcfg.steps, s.tcfg.warmup_steps, s.tcfg.learning_rate, s.tcfg.min_learning_rate);
  s.set_learning_rate(lr);
  auto objective = s.compute(batch, rng::derive(s.tcfg.seed, static_cast<std::uint64_t>(s.steps)), true);
  objective.metrics.step = s.steps;
  objective.metrics.learning_rate = lr;
  if (!objective.metrics.finite) {
    // Never apply a non-finite update: the weights stay as they were and the caller is told.
    s.optimizer->zero_grad();
    return objective.metrics;
  }
  s.optimizer->zero_grad();
  objective.total.backward();
  s.optimizer->step();
  ++s.steps;
  return objective.metrics;
}

void vl_jepa_trainer::update_targets(double momentum) {
  torch::NoGradGuard no_grad;
  for (auto& [target, online] : impl_->model->ema_pairs()) target.mul_(momentum).add_(online, 1.0 - momentum);
}

step_metrics vl_jepa_trainer::evaluate(const std::vector<training_batch>& batches, std::uint64_t mask_seed) {
  auto& s = *impl_;
  torch::NoGradGuard no_grad;
  s.model->eval();
  step_metrics sum;
  std::int64_t text_n = 0, vis_n = 0;
  for (std::size_t i = 0; i < batches.size(); ++i) {
    auto m = s.compute(batches[i], rng::derive(mask_seed, i), true).metrics;
    sum.loss += m.loss;
    sum.semantic_loss += m.semantic_loss;
    sum.decoder_loss += m.decoder_loss;
    sum.tokens += m.tokens;
    sum.images += m.images;
    sum.finite = sum.finite && m.finite;
    auto accumulate = [](modality_metrics& a, const modality_metrics& x, std::int64_t& n) {
      if (!x.present) return;
      a.present = true;
      a.loss += x.loss;
      a.cosine += x.cosine;
      a.spread += x.spread;
      a.targets += x.targets;
      ++n;
    };
    accumulate(sum.text, m.text, text_n);
    accumulate(sum.visual, m.visual, vis_n);
  }
  const double n = std::max<std::size_t>(1, batches.size());
  sum.loss /= n;
  sum.semantic_loss /= n;
  sum.decoder_loss /= n;
  auto average = [](modality_metrics& a, std::int64_t k) {
    if (k == 0) return;
    a.loss /= k;
    a.cosine /= k;
    a.spread /= k;
  };
  average(sum.text, text_n);
  average(sum.visual, vis_n);
  sum.step = s.steps;
  return sum;
}

namespace {
std::vector<std::vector<float>> rows_of(const torch::Tensor& t) {
  auto cpu = t.to(torch::kCPU, torch::kFloat32).contiguous();
  std::vector<std::vector<float>> out(cpu.size(0));
  const auto width = cpu.numel() / std::max<std::int64_t>(1, cpu.size(0));
  const float* p = cpu.data_ptr<float>();
  for (std::int64_t i = 0; i < cpu.size(0); ++i) out[i].assign(p + i * width, p + (i + 1) * width);
  return out;
}
}  // namespace

std::vector<std::vector<float>> vl_jepa_trainer::text_embeddings(const training_batch& batch) {
  auto& s = *impl_;
  torch::NoGradGuard no_grad;
  s.model->eval();
  auto in = s.to_tensors(batch);
  if (!batch.any_text()) throw std::invalid_argument("text_embeddings needs a batch with text");
  auto h = s.model->text(in.tokens, torch::Tensor(), in.valid);
  auto w = in.valid.to(torch::kFloat32).unsqueeze(-1);
  return rows_of((h * w).sum(1) / w.sum(1).clamp_min(1.0));
}

std::vector<std::vector<float>> vl_jepa_trainer::image_embeddings(const training_batch& batch) {
  auto& s = *impl_;
  torch::NoGradGuard no_grad;
  s.model->eval();
  auto in = s.to_tensors(batch);
  if (!batch.any_visual()) throw std::invalid_argument("image_embeddings needs a batch with images");
  return rows_of(s.model->vit(in.images, torch::Tensor()).mean(1));
}

std::vector<std::vector<float>> vl_jepa_trainer::k_vectors(const training_batch& batch) {
  auto& s = *impl_;
  torch::NoGradGuard no_grad;
  s.model->eval();
  auto in = s.to_tensors(batch);
  torch::Tensor t, v;
  if (batch.any_text()) t = s.model->text(in.tokens, torch::Tensor(), in.valid);
  if (batch.any_visual()) v = s.model->vit(in.images, torch::Tensor());
  auto [tf, vf] = s.model->fusion(t, in.valid, v, in.has_text, in.has_visual);
  auto [ctx, valid] =
      s.joint_context(tf, batch.any_text() ? in.valid.logical_and(in.has_text.unsqueeze(1)) : torch::Tensor(), vf,
                      in.has_visual, in.has_text);
  auto k = s.model->semantic(ctx, valid);
  return rows_of(k.reshape({k.size(0), -1}));
}

namespace {
named_tensors export_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& params) {
  named_tensors out;
  out.reserve(params.size());
  for (const auto& [name, t] : params) {
    auto cpu = t.detach().to(torch::kCPU).contiguous();
    auto data = std::make_shared<std::vector<float>>(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
    out.push_back({name, cpu.sizes().vec(), std::move(data)});
  }
  canonicalize(out);
  return out;
}

void import_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& params, const named_tensors& in,
                    const char* what) {
  auto current = export_tensors(params);
  require_same_layout(current, in, what);
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> by_name(params.begin(), params.end());
  for (const auto& t : in) {
    auto src = torch::from_blob(const_cast<float*>(t.data->data()), t.shape, torch::kFloat32);
    by_name.at(t.name).copy_(src);
  }
}

std::vector<std::pair<std::string, torch::Tensor>> all_parameters(vl_jepa_model& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& p : model->named_parameters()) out.emplace_back(p.key(), p.value());
  return out;
}
}  // namespace

named_tensors vl_jepa_trainer::shared_weights() const { return export_tensors(impl_->model->shared_parameters()); }

void vl_jepa_trainer::load_shared_weights(const named_tensors& weights) {
  import_tensors(impl_->model->shared_parameters(), weights, "shared weights");
}

named_tensors vl_jepa_trainer::full_state() const { return export_tensors(all_parameters(impl_->model)); }

void vl_jepa_trainer::load_full_state(const named_tensors& state) {
  import_tensors(all_parameters(impl_->model), state, "checkpoint");
}

void vl_jepa_trainer::reset_optimizer() {
  impl_->build_optimizer();
  impl_->steps = 0;
}

std::int64_t vl_jepa_trainer::steps_done() const { return impl_->steps; }
void vl_jepa_trainer::set_steps_done(std::int64_t steps) { impl_->steps = steps; }
std::string vl_jepa_trainer::device_name() const { return impl_->device.is_cuda() ? "cuda" : "cpu"; }
const model_config& vl_jepa_trainer::model() const { return impl_->mcfg; }
const train_config& vl_jepa_trainer::train() const { return impl_->tcfg; }
train_config& vl_jepa_trainer::train() { return impl_->tcfg; }

void configure_torch_threads(int requested) {
  int n = requested;
  if (n <= 0) {
    if (const char* env = std::getenv("ATN_TORCH_THREADS")) n = std::atoi(env);
  }
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
}

bool cuda_available() { return torch::cuda::is_available(); }

}  // namespace atn
