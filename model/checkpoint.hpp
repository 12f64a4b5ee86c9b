// Checkpoint encoding (torch-free interface): a self-checking byte format for the node's own use,
// and an export that Python's torch.load reads as a dict of tensors. Writing them atomically is
// the storage layer's job (runtime/file_util).
#pragma once

#include "model/model_config.hpp"
#include "model/named_tensors.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace atn {

struct checkpoint {
  model_config model;
  std::int64_t steps = 0;
  std::string note;       ///< free text, e.g. the round or the command that wrote it
  named_tensors tensors;  ///< canonical order
};

/// "ATNCKPT1", a length-prefixed header of key=value lines (the model configuration, steps, note),
/// the canonical tensor bytes, then a BLAKE2b-256 of everything before it.
std::vector<std::uint8_t> encode_checkpoint(const checkpoint& ckpt);

/// Parses and verifies a checkpoint; throws std::runtime_error saying what is wrong (bad magic,
/// truncated, checksum mismatch, bad header field) with `source` (a file name) in the message.
checkpoint decode_checkpoint(const std::vector<std::uint8_t>& bytes, const std::string& source);

/// The tensors as a file Python's `torch.load` reads as {name: tensor} (torch's zip format).
std::vector<char> export_torch_dict(const named_tensors& tensors);

/// Reads a file written by export_torch_dict back (for tests and tools).
named_tensors import_torch_dict(const std::vector<char>& bytes);

}  // namespace atn
