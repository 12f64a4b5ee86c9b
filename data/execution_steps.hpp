// Execution records split into their steps, so that each step can be keyed on its own
// ("step:<execution_id>:<index>") whether it was read from execution.jsonl or published on the
// event bus. The text is exactly what data/atn_records.hpp renders.
#pragma once

#include "data/atn_records.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// One step of an execution, rendered as parse_execution_record renders it.
struct execution_step {
  std::size_t index = 0;         ///< 0-based position in the record's step_results
  std::vector<text_line> lines;  ///< "[step:NAME] …", then "[tool:NAME] {input}", "[error] …"
};

/// An execution record split into its header and its steps.
struct execution_parts {
  /// As parse_execution_record returns it, except that `lines` holds only the header
  /// "[agent:ID] trigger=T status=S" and, when present, the record's own "[error] …" line.
  parsed_execution record;
  /// The steps in order; a step_results entry that is not an object is reported and left out.
  std::vector<execution_step> steps;
};

/// Parses one execution.jsonl line like parse_execution_record (same validation, reporting,
/// skipping, whole-record exclusion and scrubbing) and splits its lines by step. Concatenating
/// the header line, the steps' lines and the error line gives parse_execution_record's lines.
std::optional<execution_parts> parse_execution_parts(std::string_view json, const record_context& ctx);

/// A step published on its own (event bus type "step.completed").
struct parsed_step_record {
  std::string execution_id;
  std::string agent_id;   ///< "unknown" (or ctx.default_agent) when absent
  bool excluded = false;  ///< its lines matched an exclusion pattern: `step.lines` is empty
  execution_step step;    ///< scrubbed
};

/// Parses a step record as it appears in `step_results` (step_name, step_type, output, error,
/// started_at, completed_at) with three more fields: `execution_id` (string, required),
/// `agent_id` (string, optional) and `step_index` (integer >= 0, required: its position in the
/// execution's step_results). Renders it as parse_execution_record renders that step; a step
/// without its own time takes `default_ms`. Exclusion patterns are matched against the step's
/// own lines (the rest of its execution is not known here). Nullopt for bad input (reported).
std::optional<parsed_step_record> parse_step_record(std::string_view json, const record_context& ctx,
                                                    std::int64_t default_ms = -1);

}  // namespace atn
