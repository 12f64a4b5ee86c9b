#include "runtime/protocol/commit_book.hpp"

#include "runtime/protocol/commitment.hpp"

namespace atn {

commit_book::commit_book(std::string_view domain, std::string jurisdiction, std::int64_t round, std::string version,
                         std::set<std::string> participants)
    : domain_(domain),
      jurisdiction_(std::move(jurisdiction)),
      version_(std::move(version)),
      round_(round),
      participants_(std::move(participants)) {}

std::optional<reject_reason> commit_book::commit(const std::string& sender, const digest256& commitment) {
  if (!participants_.count(sender)) return reject_reason::unknown_sender;
  if (closed_) return reject_reason::late_commit;
  if (!commits_.emplace(sender, commitment).second) return reject_reason::duplicate_commit;
  return std::nullopt;
}

void commit_book::close(const std::map<std::string, digest256>* authoritative) {
  closed_ = true;
  if (!authoritative) return;
  for (const auto& [sender, c] : commits_) {
    auto it = authoritative->find(sender);
    if (it == authoritative->end() || it->second != c) ++disagreements_;
  }
  commits_.clear();
  for (const auto& [sender, c] : *authoritative)
    if (participants_.count(sender)) commits_.emplace(sender, c);
}

std::optional<reject_reason> commit_book::reveal(const std::string& sender, const digest256& payload_hash,
                                                 const digest256& salt) {
  if (!participants_.count(sender)) return reject_reason::unknown_sender;
  if (!closed_) return reject_reason::early_reveal;
  auto it = commits_.find(sender);
  if (it == commits_.end()) return reject_reason::no_commitment;
  if (revealed_.count(sender)) return reject_reason::duplicate_reveal;
  if (commitment_of(domain_, sender, jurisdiction_, round_, version_, payload_hash, salt) != it->second)
    return reject_reason::commitment_mismatch;
  revealed_.insert(sender);
  return std::nullopt;
}

std::set<std::string> commit_book::unrevealed() const {
  std::set<std::string> out;
  for (const auto& [sender, c] : commits_)
    if (!revealed_.count(sender)) out.insert(sender);
  return out;
}

}  // namespace atn
