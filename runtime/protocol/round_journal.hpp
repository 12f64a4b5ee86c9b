// The aggregator's journal: which round comes next, the global model it starts from and the Yuma
// bonds, written atomically after every published round so a restarted aggregator resumes.
#pragma once

#include "model/model_config.hpp"
#include "model/named_tensors.hpp"
#include "runtime/protocol/yuma_epoch.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace atn {

struct round_journal_entry {
  std::int64_t next_round = 1;  ///< the round to open (again, if it was cut short)
  std::string version;          ///< hex BLAKE2b-256 of the global model
  yuma_matrix bonds;            ///< the previous epoch's bonds (empty before the first)
};

/// Writes `<dir>/journal.txt` and the model `<dir>/global-<version>.ckpt` (a checkpoint) atomically;
/// the model file is written first, so the journal never names a missing model. Older model files
/// are removed.
void write_round_journal(const std::filesystem::path& dir, const round_journal_entry& entry,
                         const named_tensors& weights, const model_config& model);

/// The journal and its model, or nullopt when `dir` holds none. Throws std::runtime_error naming the
/// file when the journal is damaged or its model is missing or does not hash to the version.
std::optional<std::pair<round_journal_entry, named_tensors>> read_round_journal(const std::filesystem::path& dir);

}  // namespace atn
