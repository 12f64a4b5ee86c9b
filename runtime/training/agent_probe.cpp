#include "runtime/training/agent_probe.hpp"

#include "model/byte_tokenizer.hpp"
#include "model/vl_jepa_trainer.hpp"

#include <cmath>
#include <map>

namespace atn {
namespace {

using session_features = std::map<std::string, std::pair<std::int32_t, std::vector<double>>>;

// Summed features per session; the classifier normalises them, so sums serve as means.
session_features embed_sessions(vl_jepa_trainer& engine, const std::vector<training_sample>& samples,
                                std::int64_t batch_size) {
  std::vector<training_sample> labelled;
  for (const auto& s : samples)
    if (s.label >= 0 && !s.tokens.empty()) labelled.push_back(s);
  session_features out;
  std::size_t index = 0;
  for (const auto& batch : make_batches(labelled, batch_size, engine.model())) {
    for (const auto& row : engine.text_embeddings(batch)) {
      const auto& s = labelled[index++];
      auto& [label, sum] = out[s.session];
      label = s.label;
      if (sum.empty()) sum.assign(row.size(), 0.0);
      for (std::size_t d = 0; d < row.size(); ++d) sum[d] += row[d];
    }
  }
  return out;
}

// 8 KiB a session; on the sample data 1024 buckets score the same as 4096.
constexpr std::size_t bigram_buckets = 1024;

session_features count_byte_bigrams(const std::vector<training_sample>& samples) {
  session_features out;
  for (const auto& s : samples) {
    if (s.label < 0 || s.tokens.empty()) continue;
    auto& [label, counts] = out[s.session];
    label = s.label;
    if (counts.empty()) counts.assign(bigram_buckets, 0.0);
    // Byte pairs only: the specials (BOS, EOS, PAD, UNK) mark no content.
    for (std::size_t i = 1; i < s.tokens.size(); ++i) {
      const auto a = s.tokens[i - 1], b = s.tokens[i];
      if (byte_tokenizer::is_special(a) || byte_tokenizer::is_special(b)) continue;
      const auto pair = static_cast<std::uint64_t>(a) * byte_tokenizer::vocab_size + static_cast<std::uint64_t>(b);
      counts[(pair * 0x9e3779b97f4a7c15ULL >> 32) % bigram_buckets] += 1.0;
    }
  }
  return out;
}

void normalise(std::vector<double>& v) {
  double n = 0;
  for (double x : v) n += x * x;
  n = std::sqrt(n);
  if (n > 0)
    for (double& x : v) x /= n;
}

// Per-dimension mean and std over the training sessions: features are standardised with them
// (both sides, before and after training alike), so a direction every embedding shares does not
// drown the differences between agents.
struct standardiser {
  std::vector<double> mean, inv_std;
  explicit standardiser(const session_features& sessions) {
    std::size_t n = 0;
    for (const auto& [id, entry] : sessions) {
      auto v = entry.second;
      normalise(v);
      if (mean.empty()) mean.assign(v.size(), 0.0), inv_std.assign(v.size(), 0.0);
      for (std::size_t d = 0; d < v.size(); ++d) mean[d] += v[d], inv_std[d] += v[d] * v[d];
      ++n;
    }
    for (std::size_t d = 0; d < mean.size(); ++d) {
      mean[d] /= std::max<std::size_t>(1, n);
      const double var = inv_std[d] / std::max<std::size_t>(1, n) - mean[d] * mean[d];
      inv_std[d] = var > 1e-12 ? 1.0 / std::sqrt(var) : 0.0;
    }
  }
  void apply(std::vector<double>& v) const {
    normalise(v);
    for (std::size_t d = 0; d < v.size() && d < mean.size(); ++d) v[d] = (v[d] - mean[d]) * inv_std[d];
    normalise(v);
  }
};

// Nearest centroid by cosine on standardised features, trained on one set of sessions and scored
// on the other.
probe_result classify_sessions(session_features train_sessions, session_features held_out_sessions) {
  probe_result result;
  std::map<std::int32_t, std::vector<double>> centroids;
  const standardiser standard(train_sessions);
  for (auto& [id, entry] : train_sessions) {
    auto& [label, sum] = entry;
    standard.apply(sum);
    auto& c = centroids[label];
    if (c.empty()) c.assign(sum.size(), 0.0);
    for (std::size_t d = 0; d < sum.size(); ++d) c[d] += sum[d];
  }
  for (auto& [label, c] : centroids) normalise(c);
  result.classes = centroids.size();
  std::size_t correct = 0;
  for (auto& [id, entry] : held_out_sessions) {
    auto& [label, sum] = entry;
    standard.apply(sum);
    std::int32_t best = -1;
    double best_score = -2;
    for (const auto& [candidate, c] : centroids) {
      double dot = 0;
      for (std::size_t d = 0; d < c.size(); ++d) dot += c[d] * sum[d];
      if (dot > best_score) {
        best_score = dot;
        best = candidate;
      }
    }
    correct += best == label;
    ++result.sessions;
  }
  result.accuracy = result.sessions ? static_cast<double>(correct) / result.sessions : 0.0;
  return result;
}

}  // namespace

probe_result run_agent_probe(vl_jepa_trainer& engine, const std::vector<training_sample>& train,
                             const std::vector<training_sample>& held_out, std::int64_t batch_size) {
  return classify_sessions(embed_sessions(engine, train, batch_size), embed_sessions(engine, held_out, batch_size));
}

probe_result run_byte_bigram_probe(const std::vector<training_sample>& train,
                                   const std::vector<training_sample>& held_out) {
  return classify_sessions(count_byte_bigrams(train), count_byte_bigrams(held_out));
}

}  // namespace atn
