#include "data/atn_records.hpp"

#include "data/civil_time.hpp"
#include "data/input_report.hpp"
#include "data/line_reader.hpp"
#include "data/privacy_filter.hpp"
#include "data/record_json.hpp"

#include <simdjson.h>

#include <array>

namespace atn {

namespace {

using namespace record_json;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Conversation content: a string; a list of parts whose "text" fields are joined; else JSON.
std::string render_content(element value) {
  simdjson::dom::array parts;
  if (!value.get_array().get(parts)) {
    std::string out;
    for (element part : parts) {
      std::string_view text;
      object part_obj;
      bool is_text = !part.get_string().get(text) ||
                     (!part.get_object().get(part_obj) && !part_obj.at_key("text").get_string().get(text));
      if (!is_text) continue;
      if (!out.empty()) out += '\n';
      out += text;
    }
    return out;
  }
  return render_value(value);
}

// ---- ISO-8601 -------------------------------------------------------------------------------

bool digit_at(std::string_view s, std::size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

int number_at(std::string_view s, std::size_t i, std::size_t n) {
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) v = v * 10 + (s[i + k] - '0');
  return v;
}

bool digits_at(std::string_view s, std::size_t i, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k)
    if (!digit_at(s, i + k)) return false;
  return true;
}

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

// Parses a stamp at the start of `s`; `used` gets its length. Needs at least the date.
std::optional<std::int64_t> parse_iso8601_prefix(std::string_view s, std::size_t& used) {
  if (!digits_at(s, 0, 4) || s.size() < 10 || s[4] != '-' || !digits_at(s, 5, 2) || s[7] != '-' || !digits_at(s, 8, 2))
    return std::nullopt;
  int year = number_at(s, 0, 4), month = number_at(s, 5, 2), day = number_at(s, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  std::size_t i = 10;
  int hour = 0, minute = 0, second = 0, millis = 0, offset_min = 0;
  auto time_sep = [&](std::size_t k) { return k < s.size() && (s[k] == ':' || s[k] == '-'); };
  if (i < s.size() && (s[i] == 'T' || s[i] == 't' || s[i] == ' ') && digits_at(s, i + 1, 2) && time_sep(i + 3) &&
      digits_at(s, i + 4, 2)) {
    hour = number_at(s, i + 1, 2);
    minute = number_at(s, i + 4, 2);
    i += 6;
    if (time_sep(i) && digits_at(s, i + 1, 2)) {
      second = number_at(s, i + 1, 2);
      i += 3;
      if (i < s.size() && (s[i] == '.' || s[i] == ',') && digit_at(s, i + 1)) {
        ++i;
        int scale = 100;
        for (; digit_at(s, i); ++i) {
          millis += (s[i] - '0') * scale;
          scale /= 10;
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    // Zone: Z, +hh:mm, +hhmm, +hh (only after a time).
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
      ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-') && digits_at(s, i + 1, 2)) {
      int sign = s[i] == '-' ? -1 : 1;
      int oh = number_at(s, i + 1, 2), om = 0;
      std::size_t k = i + 3;
      if (k < s.size() && s[k] == ':' && digits_at(s, k + 1, 2)) {
        om = number_at(s, k + 1, 2);
        k += 3;
      } else if (digits_at(s, k, 2)) {
        om = number_at(s, k, 2);
        k += 2;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
      i = k;
    }
  }
  used = i;
  std::int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                      static_cast<std::int64_t>(offset_min) * 60;
  return secs * 1000 + millis;
}

}  // namespace

std::string text_session::joined() const {
  std::string out;
  std::size_t size = 0;
  for (const auto& l : lines) size += l.text.size() + 1;
  out.reserve(size);
  for (const auto& l : lines) {
    if (!out.empty()) out += '\n';
    out += l.text;
  }
  return out;
}

std::optional<std::int64_t> parse_iso8601_ms(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::size_t used = 0;
  auto ms = parse_iso8601_prefix(text, used);
  if (!ms || used != text.size()) return std::nullopt;
  return ms;
}

std::optional<std::int64_t> epoch_number_ms(double value) {
  if (!(value >= 0) || value > 1e16) return std::nullopt;
  return static_cast<std::int64_t>(value >= 1e11 ? value : value * 1000.0);
}

std::optional<std::int64_t> parse_timestamp_ms(std::string_view text) {
  if (auto ms = parse_iso8601_ms(text)) return ms;
  if (text.empty() || text.size() > 16 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return epoch_number_ms(std::stod(std::string(text)));
}

std::optional<std::int64_t> find_iso8601_ms(std::string_view text) {
  for (std::size_t i = 0; i + 10 <= text.size(); ++i) {
    if (i > 0 && digit_at(text, i - 1)) continue;
    std::size_t used = 0;
    auto ms = parse_iso8601_prefix(text.substr(i), used);
    if (ms && !digit_at(text, i + used)) return ms;
  }
  return std::nullopt;
}

std::optional<parsed_turn> parse_conversation_line(std::string_view json, const record_context& ctx) {
  object obj;
  if (!parse_object(json, ctx, obj)) return std::nullopt;
  auto role = string_field(obj, "role");
  if (!role) {
    report_problem(ctx, "bad_record", "missing or non-string 'role'");
    return std::nullopt;
  }
  if (!is_one_of(*role, {"user", "assistant", "system"})) {
    report_problem(ctx, "bad_record", "unknown role '" + std::string(role->substr(0, 40)) + "'");
    return std::nullopt;
  }
  element content_value;
  if (obj.at_key("content").get(content_value)) {
    report_problem(ctx, "bad_record", "missing 'content'");
    return std::nullopt;
  }
  parsed_turn turn;
  turn.role = std::string(*role);
  turn.execution_id = std::string(string_field(obj, "execution_id").value_or(""));
  turn.line.timestamp_ms = timestamp_field(obj, "timestamp", ctx, true);
  // A null content (e.g. a turn that only called tools) has nothing to learn from.
  if (turn.role == "system" || content_value.is_null()) {
    turn.dropped = true;
    return turn;
  }
  std::string content = render_content(content_value);
  if (ctx.privacy != nullptr && ctx.privacy->excluded(content)) {
    turn.excluded = true;
    return turn;
  }
  std::string text = "[" + turn.role + "] " + content;
  turn.line.text = ctx.privacy != nullptr ? ctx.privacy->scrub(text) : std::move(text);
  return turn;
}

std::optional<parsed_execution> parse_execution_record(std::string_view json, const record_context& ctx) {
  object obj;
  if (!parse_object(json, ctx, obj)) return std::nullopt;
  auto id = string_field(obj, "execution_id");
  auto status = string_field(obj, "status");
  if (!id || id->empty()) {
    report_problem(ctx, "bad_record", "missing or non-string 'execution_id'");
    return std::nullopt;
  }
  if (!status) {
    report_problem(ctx, "bad_record", "missing or non-string 'status'");
    return std::nullopt;
  }
  if (!is_one_of(*status, {"queued", "running", "completed", "failed", "killed"})) {
    report_problem(ctx, "bad_record", "unknown status '" + std::string(status->substr(0, 40)) + "'");
    return std::nullopt;
  }
  parsed_execution rec;
  rec.execution_id = std::string(*id);
  rec.status = std::string(*status);
  rec.agent_id = std::string(string_field(obj, "agent_id").value_or(ctx.default_agent));
  if (rec.agent_id.empty()) rec.agent_id = "unknown";
  if (rec.status != "completed" && rec.status != "failed") {
    rec.skipped = true;
    return rec;
  }

  std::int64_t started = timestamp_field(obj, "started_at", ctx, false);
  std::int64_t completed = timestamp_field(obj, "completed_at", ctx, false);
  std::int64_t header_ms = started >= 0 ? started : completed;
  std::int64_t end_ms = completed >= 0 ? completed : header_ms;

  element trigger_value;
  std::string trigger = field(obj, "trigger_source", trigger_value) ? render_value(trigger_value) : "unknown";
  std::vector<text_line> lines;
  lines.push_back({header_ms, "[agent:" + rec.agent_id + "] trigger=" + trigger + " status=" + rec.status});

  element steps_value;
  if (field(obj, "step_results", steps_value)) {
    simdjson::dom::array steps;
    if (steps_value.get_array().get(steps)) {
      report_problem(ctx, "bad_record", "'step_results' is not an array");
    } else {
      std::size_t index = 0;
      for (element step : steps) {
        object step_obj;
        if (step.get_object().get(step_obj)) {
          report_problem(ctx, "bad_record", "step " + std::to_string(index + 1) + " is not an object");
        } else {
          auto step_lines = render_step(step_obj, index, header_ms, ctx);
          lines.insert(lines.end(), std::make_move_iterator(step_lines.begin()),
                       std::make_move_iterator(step_lines.end()));
        }
        ++index;
      }
    }
  }
  std::string error = error_text(obj);
  if (!error.empty()) lines.push_back({end_ms, "[error] " + error});

  if (ctx.privacy != nullptr) {
    std::string all;
    for (const auto& l : lines) (all += l.text) += '\n';
    if (ctx.privacy->excluded(all)) {
      rec.excluded = true;
      return rec;
    }
    for (auto& l : lines) l.text = ctx.privacy->scrub(l.text);
  }
  rec.lines = std::move(lines);
  return rec;
}

}  // namespace atn
