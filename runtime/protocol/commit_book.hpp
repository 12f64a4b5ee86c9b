// The commitments of one round and one kind (deltas or score vectors), as one receiver saw them:
// who committed what, whether the commit phase is closed, and whether a reveal matches. Every role
// keeps one per kind; the aggregator's closes the phase for everyone (its `phase` message).
#pragma once

#include "model/named_tensors.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace atn {

/// Why a commit or reveal was refused (a reason as recorded and reported: "late_reveal", ...).
namespace reject_reason {
inline constexpr const char* unknown_sender = "unknown_sender";      ///< not a participant of this kind
inline constexpr const char* duplicate_commit = "duplicate_commit";  ///< a second commitment
inline constexpr const char* late_commit = "late_commit";            ///< after the commit phase closed
inline constexpr const char* early_reveal = "early_reveal";          ///< before the commit phase closed
inline constexpr const char* late_reveal = "late_reveal";            ///< after the reveal phase closed
inline constexpr const char* no_commitment = "no_commitment";        ///< nothing committed (in time)
inline constexpr const char* commitment_mismatch = "commitment_mismatch";  ///< reveal ≠ commitment
inline constexpr const char* duplicate_reveal = "duplicate_reveal";  ///< a second reveal
inline constexpr const char* wrong_round = "wrong_round";            ///< another round or jurisdiction
inline constexpr const char* malformed = "malformed";                ///< fields missing or mistyped
inline constexpr const char* layout_mismatch = "layout_mismatch";    ///< tensors not the model's layout
inline constexpr const char* non_finite = "non_finite";              ///< NaN or Inf in a delta or score
inline constexpr const char* missing = "missing";                    ///< committed but never revealed
}  // namespace reject_reason

class commit_book {
 public:
  /// `domain` is delta_commit_domain or scores_commit_domain; `version` the round's model (hex).
  commit_book(std::string_view domain, std::string jurisdiction, std::int64_t round, std::string version,
              std::set<std::string> participants);

  /// Records a commitment; returns nullptr when taken, else the reason it was refused.
  const char* commit(const std::string& sender, const digest256& commitment);

  /// Ends the commit phase. With `authoritative` (the aggregator's set), the book adopts that set:
  /// its own entries that disagree are counted in disagreements() and replaced.
  void close(const std::map<std::string, digest256>* authoritative = nullptr);

  /// Checks a reveal: nullptr when the salt and payload hash reproduce the sender's commitment (and
  /// it is the first reveal), else the reason. Call only after close(); before it, it is early.
  const char* reveal(const std::string& sender, const digest256& payload_hash, const digest256& salt);

  bool closed() const { return closed_; }
  const std::map<std::string, digest256>& commits() const { return commits_; }
  const std::set<std::string>& revealed() const { return revealed_; }
  /// Committed senders that have not revealed.
  std::set<std::string> unrevealed() const;
  std::size_t disagreements() const { return disagreements_; }

 private:
  std::string domain_, jurisdiction_, version_;
  std::int64_t round_;
  std::set<std::string> participants_;
  std::map<std::string, digest256> commits_;
  std::set<std::string> revealed_;
  bool closed_ = false;
  std::size_t disagreements_ = 0;
};

}  // namespace atn
