// Torch-free facade over the VL-JEPA and its optimiser: what actors and commands use to train,
// evaluate, embed and exchange weights. The implementation is the only place torch is touched.
#pragma once

#include "model/model_config.hpp"
#include "model/named_tensors.hpp"
#include "model/training_batch.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace atn {

/// JEPA metrics of one modality over one batch (or averaged over an evaluation set).
struct modality_metrics {
  bool present = false;
  double loss = 0;    ///< smooth-L1 of predicted vs layer-normed target embeddings
  double cosine = 0;  ///< mean cosine of predicted vs target embeddings
  double spread = 0;  ///< std across the batch of per-sample mean target embeddings (0 = collapse)
  std::int64_t targets = 0;
  std::int64_t context_slots = 0;  ///< padded context length per sample the encoder ran on
  std::int64_t target_slots = 0;   ///< padded target length per sample the predictor ran on
};

/// The result of one optimisation step, or of an evaluation.
struct step_metrics {
  std::int64_t step = 0;
  double loss = 0;  ///< total objective
  double learning_rate = 0;
  modality_metrics text, visual;
  double semantic_loss = 0;
  double decoder_loss = 0;
  std::int64_t tokens = 0;  ///< real tokens in the batch
  std::int64_t images = 0;  ///< images present in the batch
  bool finite = true;
};

class vl_jepa_trainer {
 public:
  /// Builds the model on CUDA when LibTorch has it, else on the CPU with `train.threads` threads.
  vl_jepa_trainer(const model_config& model, const train_config& train);
  ~vl_jepa_trainer();
  vl_jepa_trainer(const vl_jepa_trainer&) = delete;
  vl_jepa_trainer& operator=(const vl_jepa_trainer&) = delete;

  /// One AdamW step on a text-only, visual-only or multimodal batch (learning rate from the
  /// warm-up + cosine schedule). The EMA update is separate: see update_targets.
  step_metrics train_step(const training_batch& batch);

  /// target ← m·target + (1−m)·online for both encoders and the semantic head.
  void update_targets(double momentum);

  /// Metrics without updating anything; masks are drawn from `mask_seed`, so two calls agree.
  step_metrics evaluate(const std::vector<training_batch>& batches, std::uint64_t mask_seed);

  /// Mean over real tokens of the online text encoder's full-view embeddings: [B][D].
  std::vector<std::vector<float>> text_embeddings(const training_batch& batch);

  /// Mean over patches of the online ViT's full-view embeddings: [B][D].
  std::vector<std::vector<float>> image_embeddings(const training_batch& batch);

  /// K-vectors of each sample from the full view: [B][K·D].
  std::vector<std::vector<float>> k_vectors(const training_batch& batch);

  /// The shared parameters (a delta's layout), canonical order.
  named_tensors shared_weights() const;

  /// Replaces the shared parameters (layout checked) and re-syncs nothing else.
  void load_shared_weights(const named_tensors& weights);

  /// Every parameter: online, targets and decoder, canonical order (a checkpoint).
  named_tensors full_state() const;

  /// Restores a full_state (layout checked).
  void load_full_state(const named_tensors& state);

  /// Resets the optimiser's moments and step count (a new round starts from a new global model).
  void reset_optimizer();

  std::int64_t steps_done() const;
  void set_steps_done(std::int64_t steps);
  std::string device_name() const;
  const model_config& model() const;
  const train_config& train() const;
  train_config& train();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Torch threads for this process: `requested` if > 0, else the ATN_TORCH_THREADS environment
/// variable, else every core.
void configure_torch_threads(int requested);

/// True when LibTorch was built with CUDA and a device is visible.
bool cuda_available();

}  // namespace atn
