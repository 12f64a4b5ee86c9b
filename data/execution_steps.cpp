#include "data/execution_steps.hpp"

#include "data/input_report.hpp"
#include "data/line_reader.hpp"
#include "data/privacy_filter.hpp"
#include "data/record_json.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

namespace atn {

using namespace record_json;
using simdjson::dom::element;
using simdjson::dom::object;

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
    spdlog::warn("{}:{}: execution {} renders {} lines, expected {}; not split by step", ctx.file, ctx.line,
                 rec->execution_id, lines.size(), expected);
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
