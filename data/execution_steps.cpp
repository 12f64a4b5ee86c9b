#include "data/execution_steps.hpp"

#include "data/input_report.hpp"
#include "data/line_reader.hpp"
#include "data/privacy_filter.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

namespace atn {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

void report_problem(const record_context& ctx, std::string_view kind, std::string_view what) {
  if (ctx.report != nullptr) ctx.report->problem(kind, ctx.file, ctx.line, what);
}

struct json_state {
  simdjson::dom::parser parser;
  std::string padded;
};

// Parses `json` (invalid UTF-8 repaired as atn_records does) into an object. With `ctx.report`
// set, problems are reported under the same kinds as atn_records uses.
bool parse_object(std::string_view json, const record_context& ctx, object& out) {
  thread_local json_state st;
  const bool bad_utf8 = !is_valid_utf8(json);
  if (bad_utf8) {
    st.padded = repair_utf8(json);
  } else {
    st.padded.assign(json.data(), json.size());
  }
  const std::size_t len = st.padded.size();
  st.padded.reserve(len + simdjson::SIMDJSON_PADDING);
  element doc;
  if (auto error = st.parser.parse(st.padded.data(), len, false).get(doc)) {
    report_problem(ctx, "corrupt_json", std::string("not valid JSON: ") + simdjson::error_message(error));
    return false;
  }
  if (bad_utf8) report_problem(ctx, "invalid_utf8", "invalid UTF-8 replaced by U+FFFD");
  if (doc.get_object().get(out)) {
    report_problem(ctx, "bad_record", "not a JSON object");
    return false;
  }
  return true;
}

// The helpers below mirror data/atn_records.cpp so that a step renders identically; the tests
// compare both renderings.
std::string render_value(element value) {
  std::string_view s;
  if (!value.get_string().get(s)) return std::string(s);
  return simdjson::minify(value);
}

bool field(object obj, std::string_view key, element& out) {
  if (obj.at_key(key).get(out)) return false;
  return !out.is_null();
}

std::optional<std::string_view> string_field(object obj, std::string_view key) {
  element value;
  std::string_view s;
  if (!field(obj, key, value) || value.get_string().get(s)) return std::nullopt;
  return s;
}

std::int64_t timestamp_field(object obj, std::string_view key, const record_context& ctx) {
  element value;
  if (!field(obj, key, value)) return -1;
  std::string_view s;
  double d;
  std::optional<std::int64_t> ms;
  if (!value.get_string().get(s)) {
    ms = parse_timestamp_ms(s);
  } else if (!value.get_double().get(d)) {
    ms = epoch_number_ms(d);
  }
  if (!ms) {
    std::string shown = simdjson::minify(value);
    if (shown.size() > 60) shown = shown.substr(0, 60) + "...";
    report_problem(ctx, "bad_timestamp", std::string("unparseable '") + std::string(key) + "': " + shown);
    return -1;
  }
  return *ms;
}

std::string error_text(object obj) {
  element value;
  if (!field(obj, "error", value)) return {};
  return render_value(value);
}

std::vector<text_line> render_step(object step, std::size_t index, std::int64_t default_ms,
                                   const record_context& ctx) {
  std::vector<text_line> lines;
  std::string name(string_field(step, "step_name").value_or(""));
  if (name.empty()) name = "step" + std::to_string(index + 1);
  const std::string_view type = string_field(step, "step_type").value_or("");
  std::int64_t ms = default_ms;
  element ts;
  if (field(step, "started_at", ts)) {
    ms = timestamp_field(step, "started_at", ctx);
  } else if (field(step, "completed_at", ts)) {
    ms = timestamp_field(step, "completed_at", ctx);
  }
  if (ms < 0) ms = default_ms;

  std::string text;
  std::vector<text_line> tools;
  element output;
  object cognitive;
  if (field(step, "output", output)) {
    if (type == "cognitive" && !output.get_object().get(cognitive)) {
      element value;
      if (field(cognitive, "text", value)) text = render_value(value);
      simdjson::dom::array calls;
      if (!cognitive.at_key("tool_calls").get_array().get(calls)) {
        for (element call : calls) {
          object call_obj;
          if (call.get_object().get(call_obj)) continue;
          std::string tool(string_field(call_obj, "name").value_or("unknown"));
          element input;
          std::string rendered = field(call_obj, "input", input) ? simdjson::minify(input) : "null";
          tools.push_back({ms, "[tool:" + tool + "] " + rendered});
        }
      }
    } else {
      text = render_value(output);
    }
  }
  lines.push_back({ms, text.empty() ? "[step:" + name + "]" : "[step:" + name + "] " + text});
  for (auto& t : tools) lines.push_back(std::move(t));
  const std::string error = error_text(step);
  if (!error.empty()) lines.push_back({ms, "[error] " + error});
  return lines;
}

}  // namespace

std::optional<execution_parts> parse_execution_parts(std::string_view json, const record_context& ctx) {
  auto rec = parse_execution_record(json, ctx);
  if (!rec) return std::nullopt;
  execution_parts out;
  if (rec->skipped || rec->excluded) {
    out.record = std::move(*rec);
    return out;
  }
  // parse_execution_record has validated and reported; parse again quietly to count the lines
  // each step rendered, then slice its (scrubbed) lines by those counts.
  record_context quiet = ctx;
  quiet.report = nullptr;
  object obj;
  std::vector<std::pair<std::size_t, std::size_t>> counts;  // (step index, lines)
  std::size_t expected = 1;
  if (parse_object(json, quiet, obj)) {
    element steps_value;
    simdjson::dom::array steps;
    if (field(obj, "step_results", steps_value) && !steps_value.get_array().get(steps)) {
      std::size_t index = 0;
      for (element step : steps) {
        object step_obj;
        if (!step.get_object().get(step_obj)) {
          counts.emplace_back(index, render_step(step_obj, index, -1, quiet).size());
          expected += counts.back().second;
        }
        ++index;
      }
    }
    if (!error_text(obj).empty()) ++expected;
  }
  std::vector<text_line> lines = std::move(rec->lines);
  if (expected != lines.size()) {
    // Cannot happen while the renderers agree; keep the text whole rather than mis-split it.
    spdlog::warn("{}:{}: execution {} renders {} lines, expected {}; not split by step", ctx.file,
                 ctx.line, rec->execution_id, lines.size(), expected);
    counts.clear();
  }
  out.record = std::move(*rec);
  auto it = lines.begin();
  out.record.lines.push_back(std::move(*it++));
  for (const auto& [index, count] : counts) {
    execution_step step;
    step.index = index;
    step.lines.assign(std::make_move_iterator(it), std::make_move_iterator(it + static_cast<std::ptrdiff_t>(count)));
    it += static_cast<std::ptrdiff_t>(count);
    out.steps.push_back(std::move(step));
  }
  for (; it != lines.end(); ++it) out.record.lines.push_back(std::move(*it));
  return out;
}

std::optional<parsed_step_record> parse_step_record(std::string_view json, const record_context& ctx,
                                                    std::int64_t default_ms) {
  object obj;
  if (!parse_object(json, ctx, obj)) return std::nullopt;
  auto id = string_field(obj, "execution_id");
  if (!id || id->empty()) {
    report_problem(ctx, "bad_record", "missing or non-string 'execution_id'");
    return std::nullopt;
  }
  element index_value;
  std::int64_t index = -1;
  if (!field(obj, "step_index", index_value) || index_value.get_int64().get(index) || index < 0) {
    report_problem(ctx, "bad_record", "missing 'step_index' or not an integer >= 0");
    return std::nullopt;
  }
  parsed_step_record out;
  out.execution_id = std::string(*id);
  out.agent_id = std::string(string_field(obj, "agent_id").value_or(ctx.default_agent));
  if (out.agent_id.empty()) out.agent_id = "unknown";
  out.step.index = static_cast<std::size_t>(index);
  out.step.lines = render_step(obj, out.step.index, default_ms, ctx);
  if (ctx.privacy != nullptr) {
    std::string all;
    for (const auto& l : out.step.lines) (all += l.text) += '\n';
    if (ctx.privacy->excluded(all)) {
      out.excluded = true;
      out.step.lines.clear();
      return out;
    }
    for (auto& l : out.step.lines) l.text = ctx.privacy->scrub(l.text);
  }
  return out;
}

}  // namespace atn
