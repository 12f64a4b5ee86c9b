// Replay scripts: a message trace (runtime/message_trace.hpp, one JSON object per line) with a
// header that says which actor to run and how, so a round recorded in the field, or written by hand,
// can be replayed against the actor under CAF's deterministic scheduler (runtime/replay_harness).
//
// Line 1 (optional for a recorded aggregator trace, which then gets a header inferred from its
// first round_open):
//   {"replay": {"actor": "aggregator", "node": "aggregator", "jurisdiction": "j",
//    "solvers": [...], "coordinators": [...], "stake": {"c": 2.0}, "rounds": 1, "steps": 5,
//    "modalities": "text", "learning_rate": 0.001, "first_round": 1,
//    "timeouts_ms": {"commit": 60000, "reveal": 30000, "score_commit": 60000, "score_reveal": 30000},
//    "model": {"layout": [{"name": "w", "shape": [2, 3]}], "seed": 1, "scale": 0.1}
//             | {"tensors_file": "x.bin"}   (canonical bytes, relative to the script),
//    "restart_after_line": 7, "order": "strict" | "relaxed", "ignore_fields": [...]}}
// Then, in order:
//   {"advance_ms": 60000}                 the clock moves on; due deadlines fire
//   {"comment": "..."}                    nothing (any line may also carry a "comment")
//   {"t": 10, "dir": "in", ...}           a trace entry injected into the actor; "t" (optional)
//                                         first moves the clock to that many ms since the start
//   {"t": 10, "dir": "out", ...}          the actor's next outbound message must match
// An "in" line may generate what a hand-written script cannot spell:
//   "tensors": {"generate": {"seed": 3, "scale": 0.01}}   a deterministic delta of the model layout
//   a field {"salt_seed": 7}                               a deterministic 32-byte salt
//   a field {"commit_of": {"line": 9}}                     the commitment to line 9's reveal or
//       score_reveal (its sender, delta or scores, salt; the round's model version as the actor
//       announced it), with optional overrides "node", "tensors", "solvers", "scores", "salt",
//       "version" (so a forged reveal is one whose delta differs from the committed one)
// An "out" line is checked on type, "to" and round, and on "expect" (the listed fields only) or else
// on its "fields" less "ignore_fields" (default: the wall-clock deadlines and held_out_loss). Maps
// and arrays compare whole, numbers within 1e-9 relative; a value may instead be a matcher:
//   {"keys": ["a", "b"]}                          a map with exactly these keys
//   {"same_as": {"line": 5, "field": "commitment"}} equal to that field of line 5's message as
//                                                  injected or as captured
// "tensors": null requires none, {"blake2b": hex} (or a recorded descriptor) a hash, and
// {"hash_of_field": "version"} tensors hashing to the message's own field.
#pragma once

#include "messages/wire_message.hpp"
#include "model/named_tensors.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace atn {

/// A script that cannot be run; what() names the file and line ("x.jsonl:4: ...").
class replay_script_error : public std::runtime_error {
 public:
  replay_script_error(const std::filesystem::path& file, std::size_t line, const std::string& what);
  /// 1-based; 0 when the problem is not on one line.
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

/// The actor under test and its configuration (the header line).
struct replay_header {
  std::string actor = "aggregator";
  std::string node = "aggregator";
  std::string jurisdiction = "default";
  std::vector<std::string> solvers, coordinators;
  std::map<std::string, double> stake;  ///< per coordinator; absent = 1
  std::int64_t rounds = 1;
  std::int64_t steps = 1;
  std::string modalities = "text";
  double learning_rate = 1e-3;
  std::int64_t first_round = 1;  ///< > 1: the actor starts from a journal at that round
  std::chrono::milliseconds commit_timeout{60000}, reveal_timeout{30000}, score_commit_timeout{60000},
      score_reveal_timeout{30000};
  named_tensors model;                     ///< the first global model, canonical order
  std::size_t restart_after_line = 0;      ///< 0: no restart
  bool strict_order = true;                ///< every output must be matched before the next "in" or advance
  std::vector<std::string> ignore_fields;  ///< top-level fields a recorded "out" line is not checked on
  bool inferred = false;                   ///< derived from a plain recorded trace
};

/// A commitment an "in" line computes when injected: everything but the round's version is fixed
/// by the script.
struct replay_commitment {
  std::string domain, node, jurisdiction;
  std::int64_t round = 0;
  digest256 payload_hash{}, salt{};
  std::optional<std::string> version;  ///< hex; absent: the round's model as the actor announced it
};

enum class replay_step_kind { inject, expect, advance };

/// One line that does something.
struct replay_step {
  std::size_t line = 0;  ///< 1-based line in the script
  replay_step_kind kind = replay_step_kind::inject;
  std::optional<std::int64_t> at_ms;                     ///< the line's "t"
  std::int64_t advance_ms = 0;                           ///< advance: how far
  std::optional<std::string> to;                         ///< inject: as written; expect: the required recipient
  wire_message message;                                  ///< inject: the message; expect: type and round
  std::map<std::string, replay_commitment> commitments;  ///< inject: fields computed when injected
  wire_fields expect;                                    ///< expect: the fields compared
  enum class tensor_check { none, absent, hash, hash_of_field } tensors = tensor_check::none;
  std::string tensors_value;  ///< the hash (hex) or the field name
};

struct replay_script {
  std::filesystem::path path;
  replay_header header;
  std::vector<replay_step> steps;
};

/// Reads and checks a script. Throws replay_script_error naming the line on anything malformed.
replay_script read_replay_script(const std::filesystem::path& path);

/// Deterministic tensors of `layout`'s names and shapes: uniform in [-scale, scale) from `seed`.
named_tensors replay_generated_tensors(const named_tensors& layout, std::uint64_t seed, double scale);

/// A deterministic 32-byte salt from `seed`.
digest256 replay_salt(std::uint64_t seed);

}  // namespace atn
