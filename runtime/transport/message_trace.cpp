#include "runtime/transport/message_trace.hpp"

#include "data/line_reader.hpp"

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace atn {
namespace {

namespace fs = std::filesystem;
namespace dom = simdjson::dom;

// A trace line holds the fields only (tensors live in .bin files), but bytes fields are hex.
constexpr std::size_t max_trace_line_bytes = std::size_t{64} << 20;

// ---- writing ------------------------------------------------------------------------------------

std::string hex_of(const std::uint8_t* data, std::size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

// A tag object's key: a single-key wire map with such a key is wrapped in {"map": ...}.
bool is_tag_key(const std::string& key) { return key == "bin" || key == "float" || key == "str_hex" || key == "map"; }

using json = nlohmann::ordered_json;

// nlohmann writes a double shortest-round-trip and keeps an integral one a float ("1.0"); the
// non-finite ones, which JSON lacks, become tags.
json float_json(double d) {
  if (std::isnan(d)) return {{"float", "nan"}};
  if (std::isinf(d)) return {{"float", d > 0 ? "inf" : "-inf"}};
  return d;
}

// Keys and names must be JSON strings: text that is not UTF-8 is repaired (the only lossy case).
std::string utf8_text(const std::string& s) { return is_valid_utf8(s) ? s : repair_utf8(s); }

json value_json(const wire_value& v);

json map_json(const wire_value::map& m) {
  auto obj = json::object();
  for (const auto& [key, value] : m) obj[utf8_text(key)] = value_json(value);
  // A single-key map whose key is a tag's would read back as that tag: wrap it.
  if (m.size() == 1 && is_tag_key(m.begin()->first)) return {{"map", std::move(obj)}};
  return obj;
}

json value_json(const wire_value& v) {
  struct visitor {
    json operator()(const wire_value::nil&) const { return nullptr; }
    json operator()(bool b) const { return b; }
    json operator()(std::int64_t i) const { return i; }
    json operator()(double d) const { return float_json(d); }
    json operator()(const std::string& s) const {
      if (is_valid_utf8(s)) return s;
      return {{"str_hex", hex_of(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())}};
    }
    json operator()(const wire_value::bytes& b) const { return {{"bin", hex_of(b.data(), b.size())}}; }
    json operator()(const wire_value::array& a) const {
      auto arr = json::array();
      for (const auto& item : a) arr.push_back(value_json(item));
      return arr;
    }
    json operator()(const wire_value::map& m) const { return map_json(m); }
  };
  return std::visit(visitor{}, v.data());
}

// The top level is always a plain object: it is the fields, never a tagged value.
json fields_json(const wire_fields& fields) {
  auto obj = json::object();
  for (const auto& [key, value] : fields) obj[utf8_text(key)] = value_json(value);
  return obj;
}

// ---- reading ------------------------------------------------------------------------------------

// A problem with one entry: its report kind and what exactly.
struct entry_problem {
  const char* kind;
  std::string what;
};

[[noreturn]] void bad_entry(std::string what) { throw entry_problem{"bad_trace_entry", std::move(what)}; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::uint8_t> unhex(std::string_view s, const char* what) {
  if (s.size() % 2 != 0) bad_entry(std::string(what) + " has an odd number of hex digits");
  std::vector<std::uint8_t> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) bad_entry(std::string(what) + " is not hex");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

wire_value value_from(const dom::element& e);

wire_value::map map_from(const dom::object& obj) {
  wire_value::map m;
  for (auto field : obj) m[std::string(field.key)] = value_from(field.value);
  return m;
}

// A single-key object {"bin"|"float"|"str_hex"|"map": ...}, or nullopt when `obj` is a plain map.
std::optional<wire_value> tagged_value(const dom::object& obj) {
  if (obj.size() != 1) return std::nullopt;
  const auto field = *obj.begin();
  const std::string_view tag = field.key;
  if (tag == "map") {
    dom::object inner;
    if (field.value.get(inner)) bad_entry("a \"map\" tag that does not hold an object");
    return wire_value(map_from(inner));
  }
  if (tag != "bin" && tag != "float" && tag != "str_hex") return std::nullopt;
  std::string_view text;
  if (field.value.get(text)) bad_entry("a \"" + std::string(tag) + "\" tag that does not hold a string");
  if (tag == "bin") return wire_value(unhex(text, "a bin value"));
  if (tag == "str_hex") {
    auto raw = unhex(text, "a str_hex value");
    return wire_value(std::string(raw.begin(), raw.end()));
  }
  if (text == "nan") return wire_value(std::numeric_limits<double>::quiet_NaN());
  if (text == "inf") return wire_value(std::numeric_limits<double>::infinity());
  if (text == "-inf") return wire_value(-std::numeric_limits<double>::infinity());
  bad_entry("a float tag of \"" + std::string(text) + "\"");
}

wire_value value_from(const dom::element& e) {
  switch (e.type()) {
    case dom::element_type::NULL_VALUE:
      return wire_value();
    case dom::element_type::BOOL:
      return wire_value(bool(e.get_bool().value_unsafe()));
    case dom::element_type::INT64:
      return wire_value(e.get_int64().value_unsafe());
    case dom::element_type::UINT64:
      bad_entry("an integer above INT64_MAX");
    case dom::element_type::DOUBLE:
      return wire_value(e.get_double().value_unsafe());
    case dom::element_type::STRING:
      return wire_value(std::string(e.get_string().value_unsafe()));
    case dom::element_type::ARRAY: {
      // A copy: ranging over the temporary result's value would dangle.
      const dom::array arr = e.get_array().value_unsafe();
      wire_value::array a;
      for (auto x : arr) a.push_back(value_from(x));
      return wire_value(std::move(a));
    }
    case dom::element_type::OBJECT: {
      const dom::object obj = e.get_object().value_unsafe();
      if (auto tagged = tagged_value(obj)) return std::move(*tagged);
      return wire_value(map_from(obj));
    }
  }
  bad_entry("a value of an unknown JSON type");
}

template <class T>
T member(const dom::object& obj, const char* key) {
  T out{};
  if (obj[key].get(out)) bad_entry(std::string("\"") + key + "\" missing or of the wrong type");
  return out;
}

std::uint32_t read_u32(const std::vector<std::uint8_t>& b, std::size_t& pos) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b[pos + i]) << (8 * i);
  pos += 4;
  return v;
}

// Canonical bytes (model/named_tensors.hpp) back into tensors; throws entry_problem "bad_tensors".
named_tensors parse_canonical(const std::vector<std::uint8_t>& b) {
  const auto fail = [](std::string what) { throw entry_problem{"bad_tensors", std::move(what)}; };
  named_tensors out;
  std::size_t pos = 0;
  const auto need = [&](std::uint64_t n) {
    if (n > b.size() - pos) fail("truncated at byte " + std::to_string(pos));
  };
  while (pos < b.size()) {
    named_tensor t;
    need(4);
    const auto name_len = read_u32(b, pos);
    need(name_len);
    t.name.assign(reinterpret_cast<const char*>(b.data() + pos), name_len);
    pos += name_len;
    need(4);
    const auto rank = read_u32(b, pos);
    if (rank > 32) fail("tensor '" + t.name + "' has rank " + std::to_string(rank));
    need(std::uint64_t{8} * rank);
    std::uint64_t numel = 1;
    for (std::uint32_t r = 0; r < rank; ++r) {
      std::uint64_t u = 0;
      for (int i = 0; i < 8; ++i) u |= static_cast<std::uint64_t>(b[pos + i]) << (8 * i);
      pos += 8;
      const auto d = static_cast<std::int64_t>(u);
      if (d < 0) fail("tensor '" + t.name + "' has a negative dimension");
      if (d != 0 && numel > (std::numeric_limits<std::uint64_t>::max() / 4) / static_cast<std::uint64_t>(d))
        fail("tensor '" + t.name + "' is too large");
      numel *= static_cast<std::uint64_t>(d);
      t.shape.push_back(d);
    }
    need(numel * 4);
    auto data = std::make_shared<std::vector<float>>(numel);
    std::memcpy(data->data(), b.data() + pos, numel * 4);  // little-endian, as written
    pos += numel * 4;
    t.data = std::move(data);
    out.push_back(std::move(t));
  }
  return out;
}

named_tensors load_tensors(const dom::object& desc, const fs::path& trace) {
  const std::string_view file = member<std::string_view>(desc, "file");
  const fs::path rel(file);
  // The file must lie under the trace's directory: no absolute path, no "..".
  if (rel.empty() || rel.is_absolute()) bad_entry("tensor file '" + std::string(file) + "' is not a relative path");
  for (const auto& part : rel)
    if (part == "..") bad_entry("tensor file '" + std::string(file) + "' leaves the trace's directory");
  const fs::path full = trace.parent_path() / rel;

  std::ifstream in(full, std::ios::binary);
  if (!in) throw entry_problem{"missing_tensors", "cannot read " + full.string()};
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw entry_problem{"missing_tensors", "read error in " + full.string()};

  const std::string_view expected = member<std::string_view>(desc, "blake2b");
  const auto actual = to_hex(blake2b_256(bytes.data(), bytes.size()));
  if (actual != expected)
    throw entry_problem{"tensor_hash_mismatch",
                        full.string() + " has BLAKE2b-256 " + actual + ", the trace says " + std::string(expected)};

  auto tensors = parse_canonical(bytes);
  const auto layout = member<dom::array>(desc, "layout");
  std::size_t i = 0;
  for (auto item : layout) {
    dom::object entry;
    if (item.get(entry)) bad_entry("a layout item that is not an object");
    const std::string_view name = member<std::string_view>(entry, "name");
    std::vector<std::int64_t> shape;
    for (auto d : member<dom::array>(entry, "shape")) {
      std::int64_t v = 0;
      if (d.get(v)) bad_entry("a shape of tensor '" + std::string(name) + "' that is not integers");
      shape.push_back(v);
    }
    if (i >= tensors.size() || tensors[i].name != name || tensors[i].shape != shape)
      throw entry_problem{"bad_tensors",
                          full.string() + " does not hold the layout the trace names at '" + std::string(name) + "'"};
    ++i;
  }
  if (i != tensors.size()) throw entry_problem{"bad_tensors", full.string() + " holds more tensors than its layout"};
  return tensors;
}

trace_entry entry_from(const dom::object& obj, const fs::path& trace) {
  trace_entry e;
  e.t = member<std::int64_t>(obj, "t");
  const std::string_view dir = member<std::string_view>(obj, "dir");
  if (dir == "in")
    e.dir = trace_direction::in;
  else if (dir == "out")
    e.dir = trace_direction::out;
  else
    bad_entry("\"dir\" is \"" + std::string(dir) + "\", not \"in\" or \"out\"");
  e.message.from = std::string(member<std::string_view>(obj, "from"));
  e.to = std::string(member<std::string_view>(obj, "to"));
  e.message.type = std::string(member<std::string_view>(obj, "type"));
  e.message.jurisdiction = std::string(member<std::string_view>(obj, "jurisdiction"));
  e.message.round = member<std::int64_t>(obj, "round");
  const auto fields = member<dom::object>(obj, "fields");
  e.message.fields = map_from(fields);
  dom::element tensors;
  if (obj["tensors"].get(tensors)) bad_entry("\"tensors\" missing");
  if (!tensors.is_null()) {
    dom::object desc;
    if (tensors.get(desc)) bad_entry("\"tensors\" is neither null nor an object");
    e.message.tensors = load_tensors(desc, trace);
  }
  return e;
}

}  // namespace

const char* to_string(trace_direction dir) { return dir == trace_direction::in ? "in" : "out"; }

fs::path trace_tensor_dir(const fs::path& trace) {
  auto dir = trace;
  dir += ".tensors";
  return dir;
}

message_trace_writer::message_trace_writer(fs::path path)
    : path_(std::move(path)), tensor_dir_(trace_tensor_dir(path_)), start_(std::chrono::steady_clock::now()) {
  std::error_code ec;
  // Tensor files of an earlier trace at this path would be mistaken for this one's.
  fs::remove_all(tensor_dir_, ec);
  if (ec) throw std::runtime_error("message trace: cannot clear " + tensor_dir_.string() + ": " + ec.message());
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) throw std::runtime_error("message trace: cannot create " + path_.string() + ": " + std::strerror(errno));
}

message_trace_writer::~message_trace_writer() {
  if (file_) std::fclose(file_);
}

void message_trace_writer::record(trace_direction dir, const std::string& to, const wire_message& message) {
  trace_entry e;
  e.t = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
  e.dir = dir;
  e.to = to;
  // Only the envelope and fields are copied; tensor buffers are shared.
  e.message = message;
  record(e);
}

void message_trace_writer::record(const trace_entry& entry) {
  const auto& m = entry.message;
  json line = {
      {"t", entry.t},
      {"dir", to_string(entry.dir)},
      {"from", utf8_text(m.from)},
      {"to", utf8_text(entry.to)},
      {"type", utf8_text(m.type)},
      {"jurisdiction", utf8_text(m.jurisdiction)},
      {"round", m.round},
      {"fields", fields_json(m.fields)},
      {"tensors", nullptr},
  };
  if (!m.tensors.empty()) {
    const auto bytes = canonical_bytes(m.tensors);
    const std::string name = std::to_string(tensor_files_++) + ".bin";
    std::error_code ec;
    fs::create_directories(tensor_dir_, ec);
    if (ec) throw std::runtime_error("message trace: cannot create " + tensor_dir_.string() + ": " + ec.message());
    const auto file = tensor_dir_ / name;
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      out.flush();
      if (!out) throw std::runtime_error("message trace: cannot write " + file.string());
    }
    auto layout = json::array();
    for (const auto& t : m.tensors) layout.push_back({{"name", utf8_text(t.name)}, {"shape", t.shape}});
    line["tensors"] = {{"file", (tensor_dir_.filename() / name).generic_string()},
                       {"blake2b", to_hex(blake2b_256(bytes.data(), bytes.size()))},
                       {"layout", std::move(layout)}};
  }
  const std::string text = line.dump() + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
    throw std::runtime_error("message trace: cannot write " + path_.string() + ": " + std::strerror(errno));
  ++entries_;
}

std::string trace_fields_json(const wire_fields& fields) { return fields_json(fields).dump(); }

parse_result<wire_fields> parse_trace_fields(std::string_view json) {
  dom::parser parser;
  dom::object obj;
  if (auto err = parser.parse(json.data(), json.size()).get(obj))
    return parse_result<wire_fields>::failure(std::string("not a JSON object: ") + simdjson::error_message(err));
  try {
    return map_from(obj);
  } catch (const entry_problem& p) {
    return parse_result<wire_fields>::failure(p.what);
  }
}

std::vector<trace_entry> read_message_trace(const fs::path& path, input_report& report) {
  std::vector<trace_entry> out;
  const std::string file = path.string();
  line_reader reader(path, max_trace_line_bytes);
  if (!reader.ok()) {
    report.problem("missing_file", file, 0, reader.error());
    return out;
  }
  dom::parser parser;
  line_reader::line line;
  while (reader.next(line)) {
    if (line.too_long) {
      report.problem("line_too_long", file, line.number, std::to_string(line.bytes) + " bytes");
      continue;
    }
    if (line.text.empty()) continue;
    dom::object obj;
    if (auto err = parser.parse(line.text.data(), line.text.size()).get(obj)) {
      report.problem("corrupt_json", file, line.number, simdjson::error_message(err));
      continue;
    }
    try {
      out.push_back(entry_from(obj, path));
    } catch (const entry_problem& p) {
      report.problem(p.kind, file, line.number, p.what);
    } catch (const std::exception& e) {
      // std::bad_alloc on an absurd shape, for one
      report.problem("bad_trace_entry", file, line.number, e.what());
    }
  }
  if (!reader.ok()) report.problem("missing_file", file, 0, reader.error());
  return out;
}

}  // namespace atn
