#include "runtime/storage/feed_key_index.hpp"

#include <stdexcept>

namespace atn {

void feed_key_index::add(std::string key, std::uint64_t sequence, std::int64_t stored_ms) {
  if (!entries_.empty() && sequence <= entries_.back().sequence)
    throw std::logic_error("feed_key_index: sequence " + std::to_string(sequence) + " is not ascending");
  if (auto it = keys_.find(key); it != keys_.end()) keys_.erase(it);
  entries_.push_back(entry{sequence, stored_ms, std::move(key)});
  keys_.insert(entries_.back().key);
}

std::size_t feed_key_index::forget_before(std::uint64_t first_retained) {
  std::size_t forgotten = 0;
  while (!entries_.empty() && entries_.front().sequence < first_retained) {
    const std::string& key = entries_.front().key;
    // Erase only the view into this entry: a repeated key lives on in its newer entry.
    if (auto it = keys_.find(key); it != keys_.end() && it->data() == key.data()) {
      keys_.erase(it);
      ++forgotten;
    }
    entries_.pop_front();
  }
  return forgotten;
}

std::uint64_t feed_key_index::first_stored_since(std::int64_t since_ms, std::uint64_t end) const {
  for (const auto& e : entries_)
    if (e.stored_ms >= since_ms) return e.sequence;
  return end;
}

}  // namespace atn
