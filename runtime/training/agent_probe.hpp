// A nearest-centroid probe on frozen embeddings: can the model tell, from a held-out session's
// text alone, which agent (domain) it belongs to? Its accuracy before and after training is the
// plainest evidence that the representations learned something about the data. The same probe on
// byte-bigram counts is the reference a user can check those figures against.
#pragma once

#include "runtime/training/training_data.hpp"

namespace atn {

class vl_jepa_trainer;

struct probe_result {
  double accuracy = 0;       ///< fraction of held-out sessions named correctly
  std::size_t sessions = 0;  ///< held-out sessions classified
  std::size_t classes = 0;   ///< agents with a centroid
};

/// Centroids from the training sessions' embeddings (the mean over all of a session's windows of the
/// online text encoder's full-view embedding), then each held-out session goes to the nearest
/// centroid by cosine. Samples with label -1 are ignored.
probe_result run_agent_probe(vl_jepa_trainer& engine, const std::vector<training_sample>& train,
                             const std::vector<training_sample>& held_out, std::int64_t batch_size = 64);

/// The same classifier on each session's byte-bigram counts (hashed into 1024 buckets) instead of
/// the model's embeddings: a fixed, model-free reference on the same split.
probe_result run_byte_bigram_probe(const std::vector<training_sample>& train,
                                   const std::vector<training_sample>& held_out);

}  // namespace atn
