// The keys a ring_log of the feed holds, in sequence order, so a re-sent record is stored once and
// the key of a record that ages out is forgotten with it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace atn {

/// Keys of retained records with their sequence numbers and storage times, oldest first.
class feed_key_index {
 public:
  feed_key_index() = default;
  feed_key_index(const feed_key_index&) = delete;
  feed_key_index& operator=(const feed_key_index&) = delete;

  /// Whether a retained record has this key.
  bool contains(std::string_view key) const { return keys_.count(key) > 0; }

  /// Records `key` as held by the record `sequence` stored at `stored_ms`. Sequences must ascend.
  /// A key already held moves to the newer record (only a log written by something else repeats
  /// keys).
  void add(std::string key, std::uint64_t sequence, std::int64_t stored_ms);

  /// Forgets every key whose record's sequence is below `first_retained`; returns how many.
  std::size_t forget_before(std::uint64_t first_retained);

  /// Sequence of the oldest entry stored at or after `since_ms`, or `end` when there is none.
  /// Storage times ascend with sequences but for clock steps, which this tolerates by scanning.
  std::uint64_t first_stored_since(std::int64_t since_ms, std::uint64_t end) const;

  /// Keys held.
  std::size_t size() const { return keys_.size(); }

 private:
  struct entry {
    std::uint64_t sequence;
    std::int64_t stored_ms;
    std::string key;
  };
  // keys_ views the strings inside entries_: a deque never moves its elements on push_back or
  // pop_front, so the views stay valid until their entry is popped.
  std::deque<entry> entries_;
  std::unordered_set<std::string_view> keys_;
};

}  // namespace atn
