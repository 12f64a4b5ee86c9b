// The deterministic synthetic data set behind `atn-node sample-data`: ATN conversations, agent
// execution logs and screen frames for six agent domains.
#pragma once

#include "data/sample/sample_domain.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace atn {

/// What to generate.
struct sample_data_options {
  std::uint64_t seed = 7;       ///< equal seeds (and options) give byte-identical output
  int sessions_per_agent = 40;  ///< conversations per agent, 0 or more
  bool frames = true;           ///< render screen frames under frames/
  int frame_size = 224;         ///< frames are frame_size x frame_size pixels, 64 to 4096
};

/// What was written.
struct sample_data_summary {
  int agents = 0;
  int sessions = 0;         ///< conversation files
  int turns = 0;            ///< conversation lines
  int executions = 0;       ///< execution records, including scheduled and webhook runs
  int frames = 0;           ///< PNG frames (each with a JSON sidecar)
  int idle_frames = 0;      ///< of those, frames with no conversation turn within a minute
  std::uint64_t files = 0;  ///< files written
  std::uint64_t bytes = 0;  ///< bytes written
};

/// Writes the sample data set into a directory:
///   atn/conversations/<session>.jsonl     one session per file, one turn per line
///   atn/agents/<agent>/execution.jsonl    one execution record per line
///   frames/<epoch_ms>.png + .json         screen frames and their sidecars
///   README.txt                            what was generated, and the seed
/// Everything is drawn from one seeded generator with integer arithmetic only, so the output is
/// byte-identical on every run and machine for the same options.
class sample_data_generator {
 public:
  /// Generates the built-in domains (data/sample/domains.yaml). Throws std::invalid_argument for
  /// options out of range.
  explicit sample_data_generator(sample_data_options options);

  /// Generates other domains (e.g. load_sample_domains of a file); one agent each, in order. Throws
  /// std::invalid_argument for options out of range or no domains.
  sample_data_generator(sample_data_options options, std::vector<sample_domain> domains);

  /// Generates into `out_dir`, which must be missing, empty, or an earlier output of this
  /// generator (whose atn/, frames/ and README.txt are then replaced). Throws std::runtime_error
  /// when the directory holds anything else or cannot be written.
  sample_data_summary run(const std::filesystem::path& out_dir) const;

  /// The first line of README.txt, by which an earlier output is recognised.
  static const char* readme_marker();

 private:
  sample_data_options options_;
  std::vector<sample_domain> domains_;
};

/// Shorthand for sample_data_generator(options).run(out_dir).
sample_data_summary generate_sample_data(const std::filesystem::path& out_dir, const sample_data_options& options);

}  // namespace atn
