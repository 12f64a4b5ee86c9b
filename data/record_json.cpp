#include "data/record_json.hpp"

#include "data/input_report.hpp"
#include "data/line_reader.hpp"

namespace atn::record_json {

using simdjson::dom::element;
using simdjson::dom::object;

void report_problem(const record_context& ctx, std::string_view kind, std::string_view what) {
  if (ctx.report != nullptr) ctx.report->problem(kind, ctx.file, ctx.line, what);
}

bool parse_object(std::string_view json, const record_context& ctx, object& out) {
  // One parser and one padded buffer per thread: simdjson needs SIMDJSON_PADDING readable bytes
  // past the end, and parsers are not thread-safe.
  struct json_state {
    simdjson::dom::parser parser;
    std::string padded;
  };
  thread_local json_state st;
  bool bad_utf8 = !is_valid_utf8(json);
  if (bad_utf8) {
    st.padded = repair_utf8(json);
  } else {
    st.padded.assign(json.data(), json.size());
  }
  std::size_t len = st.padded.size();
  st.padded.reserve(len + simdjson::SIMDJSON_PADDING);
  element doc;
  auto error = st.parser.parse(st.padded.data(), len, false).get(doc);
  if (error) {
    std::string what = std::string("not valid JSON: ") + simdjson::error_message(error);
    if (bad_utf8) what += " (and invalid UTF-8)";
    report_problem(ctx, "corrupt_json", what);
    return false;
  }
  if (bad_utf8) report_problem(ctx, "invalid_utf8", "invalid UTF-8 replaced by U+FFFD");
  if (doc.get_object().get(out)) {
    report_problem(ctx, "bad_record", "not a JSON object");
    return false;
  }
  return true;
}

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

std::optional<std::int64_t> timestamp_ms(element value) {
  std::string_view s;
  double d;
  if (!value.get_string().get(s)) return parse_timestamp_ms(s);
  if (!value.get_double().get(d)) return epoch_number_ms(d);
  return std::nullopt;
}

std::string shown_json(element value) {
  std::string shown = simdjson::minify(value);
  if (shown.size() > 60) shown = shown.substr(0, 60) + "...";
  return shown;
}

std::int64_t timestamp_field(object obj, std::string_view key, const record_context& ctx, bool required) {
  element value;
  if (!field(obj, key, value)) {
    if (required) report_problem(ctx, "bad_timestamp", std::string("missing '") + std::string(key) + "'");
    return -1;
  }
  const auto ms = timestamp_ms(value);
  if (!ms) {
    report_problem(ctx, "bad_timestamp", std::string("unparseable '") + std::string(key) + "': " + shown_json(value));
    return -1;
  }
  return *ms;
}

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> options) {
  for (auto o : options)
    if (s == o) return true;
  return false;
}

std::string error_text(object obj) {
  element value;
  if (!field(obj, "error", value)) return {};
  return render_value(value);
}

std::vector<text_line> render_step(object step, std::size_t index, std::int64_t default_ms, const record_context& ctx) {
  std::vector<text_line> lines;
  std::string name(string_field(step, "step_name").value_or(""));
  if (name.empty()) name = "step" + std::to_string(index + 1);
  std::string_view type = string_field(step, "step_type").value_or("");
  std::int64_t ms = default_ms;
  element ts;
  if (field(step, "started_at", ts)) {
    ms = timestamp_field(step, "started_at", ctx, false);
  } else if (field(step, "completed_at", ts)) {
    ms = timestamp_field(step, "completed_at", ctx, false);
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
  std::string error = error_text(step);
  if (!error.empty()) lines.push_back({ms, "[error] " + error});
  return lines;
}

}  // namespace atn::record_json
