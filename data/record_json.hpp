// The JSON reading shared by the ATN record parsers (data/atn_records, data/execution_steps,
// data/frame_meta, the event bus): one set of field and timestamp rules and one step renderer, so
// a step reads the same from execution.jsonl and from the event bus.
#pragma once

#include "data/atn_records.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atn::record_json {

/// Reports to ctx.report (when set) under ctx.file and ctx.line.
void report_problem(const record_context& ctx, std::string_view kind, std::string_view what);

/// Parses `json` into an object, repairing invalid UTF-8 (reported as "invalid_utf8"). Reports
/// "corrupt_json" or "bad_record" and returns false on bad input. The object lives until the
/// calling thread's next parse.
bool parse_object(std::string_view json, const record_context& ctx, simdjson::dom::object& out);

/// A string as is; anything else as compact JSON.
std::string render_value(simdjson::dom::element value);

/// The field if present and not null.
bool field(simdjson::dom::object obj, std::string_view key, simdjson::dom::element& out);

/// A string field, or nullopt if absent, null or not a string.
std::optional<std::string_view> string_field(simdjson::dom::object obj, std::string_view key);

/// A JSON timestamp in ms: an ISO-8601 or digit string, or an epoch number (seconds or ms, as
/// epoch_number_ms decides); nullopt for anything else.
std::optional<std::int64_t> timestamp_ms(simdjson::dom::element value);

/// `value` as compact JSON, cut to 60 characters with "..." (for problem messages).
std::string shown_json(simdjson::dom::element value);

/// A timestamp field (ISO-8601 string, digit string or epoch number) in ms, or -1; reports an
/// unparseable one, and a missing one when `required`.
std::int64_t timestamp_field(simdjson::dom::object obj, std::string_view key, const record_context& ctx, bool required);

/// True when `s` is one of `options`.
bool is_one_of(std::string_view s, std::initializer_list<std::string_view> options);

/// The text of an optional "error" field, or empty.
std::string error_text(simdjson::dom::object obj);

/// One step_results entry as lines: "[step:NAME] text", then "[tool:NAME] {input}" for each tool
/// call of a cognitive step, then "[error] …". A step without its own time takes `default_ms`.
std::vector<text_line> render_step(simdjson::dom::object step, std::size_t index, std::int64_t default_ms,
                                   const record_context& ctx);

}  // namespace atn::record_json
