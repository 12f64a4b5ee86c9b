#include "data/frame_meta.hpp"

#include "data/atn_records.hpp"
#include "data/input_report.hpp"
#include "data/record_json.hpp"

#include <simdjson.h>

#include <fstream>
#include <sstream>

namespace atn {

namespace fs = std::filesystem;

namespace {
constexpr std::uintmax_t max_sidecar_bytes = 1 << 20;
}

bool is_frame_image_name(const fs::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::array<fs::path, 2> sidecar_candidates(const fs::path& image) {
  fs::path with_ext = image;
  with_ext += ".json";
  return {with_ext, fs::path(image).replace_extension(".json")};
}

std::optional<fs::path> find_sidecar(const fs::path& image) {
  std::error_code ec;
  for (const auto& candidate : sidecar_candidates(image))
    if (fs::exists(candidate, ec)) return candidate;
  return std::nullopt;
}

std::optional<std::int64_t> frame_time_from_name(const fs::path& file) {
  if (auto ms = parse_timestamp_ms(file.stem().string())) return ms;
  return find_iso8601_ms(file.filename().string());
}

bool parse_frame_meta(std::string_view json, std::string_view shown, frame_file& frame, input_report& report) {
  thread_local simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::dom::object obj;
  if (auto error = parser.parse(padded).get_object().get(obj)) {
    report.problem("corrupt_json", shown, 0,
                   std::string("frame metadata is not a JSON object: ") + simdjson::error_message(error));
    return false;
  }
  auto text = [&](std::string_view key, std::string& out) {
    std::string_view s;
    if (!obj.at_key(key).get_string().get(s)) out = std::string(s);
  };
  text("source_id", frame.source_id);
  text("window_title", frame.window_title);
  text("url", frame.url);
  simdjson::dom::element ts;
  if (obj.at_key("timestamp").get(ts) || ts.is_null()) return true;
  const auto ms = record_json::timestamp_ms(ts);
  if (!ms) {
    report.problem("bad_timestamp", shown, 0, "unparseable 'timestamp': " + record_json::shown_json(ts));
    return true;
  }
  frame.timestamp_ms = *ms;
  return true;
}

frame_file describe_frame(const fs::path& image, const std::optional<fs::path>& sidecar, input_report& report) {
  frame_file frame;
  frame.path = image;
  frame.timestamp_ms = frame_time_from_name(image).value_or(-1);
  if (!sidecar) return frame;
  const std::string shown = sidecar->string();
  std::error_code ec;
  const auto bytes = fs::file_size(*sidecar, ec);
  if (ec || bytes > max_sidecar_bytes) {
    report.problem(ec ? "unreadable_file" : "corrupt_json", shown, 0,
                   ec ? "cannot read: " + ec.message() : "sidecar over 1 MiB");
    return frame;
  }
  std::ifstream in(*sidecar, std::ios::binary);
  std::ostringstream contents;
  if (!in || !(contents << in.rdbuf())) {
    // An empty stream also fails `<<`; an empty sidecar is corrupt JSON, not unreadable.
    if (in && bytes == 0) {
      parse_frame_meta("", shown, frame, report);
      return frame;
    }
    report.problem("unreadable_file", shown, 0, "cannot read the sidecar");
    return frame;
  }
  parse_frame_meta(contents.str(), shown, frame, report);
  return frame;
}

}  // namespace atn
