// The commitments of one round and one kind (deltas or score vectors), as one receiver saw them:
// who committed what, whether the commit phase is closed, and whether a reveal matches. Every role
// keeps one per kind; the aggregator's closes the phase for everyone (its `phase` message).
#pragma once

#include "messages/reject_reason.hpp"
#include "model/named_tensors.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace atn {

class commit_book {
 public:
  /// `domain` is delta_commit_domain or scores_commit_domain; `version` the round's model (hex).
  commit_book(std::string_view domain, std::string jurisdiction, std::int64_t round, std::string version,
              std::set<std::string> participants);

  /// Records a commitment; returns nothing when taken, else the reason it was refused.
  std::optional<reject_reason> commit(const std::string& sender, const digest256& commitment);

  /// Ends the commit phase. With `authoritative` (the aggregator's set), the book adopts that set:
  /// its own entries that disagree are counted in disagreements() and replaced.
  void close(const std::map<std::string, digest256>* authoritative = nullptr);

  /// Checks a reveal: nothing when the salt and payload hash reproduce the sender's commitment (and
  /// it is the first reveal), else the reason. Call only after close(); before it, it is early.
  std::optional<reject_reason> reveal(const std::string& sender, const digest256& payload_hash, const digest256& salt);

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
