// Message traces: a node's traffic recorded one JSON object per line, to read back and replay.
//
//   {"t": 12, "dir": "out", "from": "a", "to": "*", "type": "reveal", "jurisdiction": "j",
//    "round": 3, "fields": {...}, "tensors": null | {"file": "x.jsonl.tensors/0.bin",
//    "blake2b": "<hex>", "layout": [{"name": "w", "shape": [2, 3]}]}}
//
// `t` is ms since the trace started. Field values map to JSON so that every wire type comes back
// as itself: nil → null, bool, int → an integer, float → a number with '.' or 'e' ({"float":
// "nan"|"inf"|"-inf"} when not finite), string → a string ({"str_hex": "<hex>"} when not UTF-8),
// bytes → {"bin": "<hex>"}, array, map → an object (wrapped as {"map": {...}} when it is a single
// key that is one of those tags). Tensors go to `<trace>.tensors/<n>.bin` as their canonical
// bytes (model/named_tensors.hpp), so a reader can check the hash and load them back.
#pragma once

#include "data/input_report.hpp"
#include "messages/parse_result.hpp"
#include "messages/wire_message.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// Whether a traced message was received or sent.
enum class trace_direction : std::uint8_t { in, out };

/// "in" or "out".
const char* to_string(trace_direction dir);

/// One traced message.
struct trace_entry {
  std::int64_t t = 0;  ///< ms since the trace started
  trace_direction dir = trace_direction::in;
  std::string to;        ///< receiving node id, or "*" for a broadcast
  wire_message message;  ///< `from` is the sender
};

/// Appends traced messages to a file, one line each, flushed per message.
class message_trace_writer {
 public:
  /// Creates (or truncates) `path` and starts a fresh `<path>.tensors/` directory beside it.
  /// Throws std::runtime_error naming the file when it cannot.
  explicit message_trace_writer(std::filesystem::path path);
  ~message_trace_writer();
  message_trace_writer(const message_trace_writer&) = delete;
  message_trace_writer& operator=(const message_trace_writer&) = delete;

  /// Records `message` at the current time. Throws std::runtime_error naming the file when a
  /// write fails (the trace stays readable: a line is written only after its tensor file).
  void record(trace_direction dir, const std::string& to, const wire_message& message);

  /// Records an entry with its own `t` (to write a trace by hand, e.g. a replay script).
  void record(const trace_entry& entry);

  /// The trace file.
  const std::filesystem::path& path() const { return path_; }

  /// Entries written so far.
  std::uint64_t entries() const { return entries_; }

 private:
  std::filesystem::path path_;
  std::filesystem::path tensor_dir_;
  std::FILE* file_ = nullptr;
  std::uint64_t entries_ = 0;
  std::uint64_t tensor_files_ = 0;
  std::chrono::steady_clock::time_point start_;
};

/// The directory holding a trace's tensor files: `<trace>.tensors`.
std::filesystem::path trace_tensor_dir(const std::filesystem::path& trace);

/// Every well-formed entry of a trace, in file order. A bad line or entry is skipped and reported
/// with its line number: "missing_file", "corrupt_json", "bad_trace_entry", "missing_tensors",
/// "tensor_hash_mismatch" (the .bin was changed), "bad_tensors" (unparsable or not the layout).
std::vector<trace_entry> read_message_trace(const std::filesystem::path& path, input_report& report);

/// The JSON object for `fields` as the trace writes it.
std::string trace_fields_json(const wire_fields& fields);

/// `fields` back from trace_fields_json's output; refused, saying why, when it is not such JSON.
parse_result<wire_fields> parse_trace_fields(std::string_view json);

}  // namespace atn
