#include "runtime/transport/message_trace.hpp"
#include "messages/wire_codec.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace atn {
namespace {

namespace fs = std::filesystem;

// One field of every wire type, and the maps that look like the trace's own tags.
wire_fields every_type() {
  wire_fields f;
  f["nil"] = nullptr;
  f["yes"] = true;
  f["no"] = false;
  f["int"] = std::int64_t{-42};
  f["int_max"] = std::numeric_limits<std::int64_t>::max();
  f["int_min"] = std::numeric_limits<std::int64_t>::min();
  f["float_integral"] = 2.0;
  f["float_tenth"] = 0.1;
  f["float_huge"] = 1e300;
  f["float_tiny"] = -4.9e-324;
  f["text"] = std::string("quote \" backslash \\ newline \n tab \t é ✓");
  f["not_utf8"] = std::string("\xff\xfe ok");
  f["empty_text"] = std::string();
  f["bytes"] = wire_value::bytes{0x00, 0x01, 0xab, 0xff};
  f["empty_bytes"] = wire_value::bytes{};
  f["array"] = wire_value::array{1, 2.5, "three", wire_value::array{}, wire_value::map{{"k", nullptr}}};
  f["map"] = wire_value::map{{"a", 1}, {"b", wire_value::map{{"c", "d"}}}};
  f["looks_like_bin"] = wire_value::map{{"bin", "abcd"}};
  f["looks_like_float"] = wire_value::map{{"float", "nan"}};
  f["looks_like_map"] = wire_value::map{{"map", wire_value::map{{"bin", wire_value::bytes{1}}}}};
  f["two_keys_with_tag"] = wire_value::map{{"bin", 1}, {"other", 2}};
  return f;
}

named_tensors small_tensors() {
  named_tensors t;
  t.push_back({"a.bias", {3}, std::make_shared<std::vector<float>>(std::vector<float>{1.f, -2.f, 3.5f})});
  t.push_back({"a.weight", {2, 3}, std::make_shared<std::vector<float>>(std::vector<float>{0, 1, 2, 3, 4, 5})});
  t.push_back({"empty", {0, 4}, std::make_shared<std::vector<float>>()});
  return t;
}

wire_message message(const std::string& type, std::int64_t round, named_tensors tensors = {}) {
  wire_message m;
  m.type = type;
  m.from = "node-a";
  m.jurisdiction = "eu";
  m.round = round;
  m.fields["n"] = round;
  m.tensors = std::move(tensors);
  return m;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

TEST_CASE("trace fields keep every wire type", "[message_trace]") {
  const auto fields = every_type();
  auto back = parse_trace_fields(trace_fields_json(fields));
  INFO(back.error());
  REQUIRE(back);
  CHECK(*back == fields);
  CHECK(back->at("float_integral").is_float());
  CHECK(back->at("int").is_int());
  CHECK(back->at("bytes").is_bytes());
  CHECK(back->at("looks_like_bin").is_map());

  wire_fields special;
  special["nan"] = std::numeric_limits<double>::quiet_NaN();
  special["inf"] = std::numeric_limits<double>::infinity();
  special["minus_inf"] = -std::numeric_limits<double>::infinity();
  special["minus_zero"] = -0.0;
  auto s = parse_trace_fields(trace_fields_json(special));
  REQUIRE(s);
  CHECK(std::isnan(s->at("nan").as_float()));
  CHECK(s->at("inf").as_float() == std::numeric_limits<double>::infinity());
  CHECK(s->at("minus_inf").as_float() == -std::numeric_limits<double>::infinity());
  CHECK(s->at("minus_zero").is_float());
  CHECK(std::signbit(s->at("minus_zero").as_float()));

  CHECK_FALSE(parse_trace_fields("[1]"));
  CHECK_FALSE(parse_trace_fields(R"({"x": {"bin": "abc"}})"));        // odd hex
  CHECK_FALSE(parse_trace_fields(R"({"x": 18446744073709551615})"));  // above INT64_MAX
}

TEST_CASE("a message trace round-trips envelopes, fields and tensors", "[message_trace]") {
  test::temp_dir dir("atn_trace");
  const auto path = dir.path / "node.trace.jsonl";
  const auto tensors = small_tensors();
  {
    message_trace_writer w(path);
    auto first = message("reveal", 5, tensors);
    first.fields = every_type();
    w.record(trace_direction::out, "*", first);
    w.record(trace_direction::in, "node-b", message("vote", 6));
    w.record(trace_entry{12345, trace_direction::in, "node-b", message("ack", 7, tensors)});
    CHECK(w.entries() == 3);
  }
  CHECK(fs::exists(trace_tensor_dir(path) / "0.bin"));
  CHECK(fs::exists(trace_tensor_dir(path) / "1.bin"));

  input_report report;
  auto entries = read_message_trace(path, report);
  INFO(report.summary());
  CHECK(report.total() == 0);
  REQUIRE(entries.size() == 3);

  const auto& e0 = entries[0];
  CHECK(e0.dir == trace_direction::out);
  CHECK(e0.to == "*");
  CHECK(e0.message.type == "reveal");
  CHECK(e0.message.from == "node-a");
  CHECK(e0.message.jurisdiction == "eu");
  CHECK(e0.message.round == 5);
  CHECK(e0.message.fields == every_type());
  REQUIRE(layout_of(e0.message.tensors) == layout_of(tensors));
  CHECK(blake2b_256(e0.message.tensors) == blake2b_256(tensors));
  CHECK(*e0.message.tensors[1].data == *tensors[1].data);

  CHECK(entries[1].dir == trace_direction::in);
  CHECK(entries[1].to == "node-b");
  CHECK(entries[1].message.tensors.empty());
  CHECK(entries[0].t <= entries[1].t);
  CHECK(entries[2].t == 12345);
  CHECK(blake2b_256(entries[2].message.tensors) == blake2b_256(tensors));

  // The line names the tensor file relative to the trace, with the hash and layout.
  const auto text = read_text(path);
  CHECK(text.find(R"("file":"node.trace.jsonl.tensors/0.bin")") != std::string::npos);
  CHECK(text.find(R"("blake2b":")" + to_hex(blake2b_256(tensors)) + '"') != std::string::npos);
  CHECK(text.find(R"({"name":"a.weight","shape":[2,3]})") != std::string::npos);
}

TEST_CASE("a message trace reports tampered, missing and malformed entries and keeps the rest", "[message_trace]") {
  test::temp_dir dir("atn_trace");
  const auto path = dir.path / "t.jsonl";
  {
    message_trace_writer w(path);
    w.record(trace_direction::out, "b", message("reveal", 1, small_tensors()));  // 0.bin, tampered below
    w.record(trace_direction::out, "b", message("reveal", 2, small_tensors()));  // 1.bin, removed below
    w.record(trace_direction::out, "b", message("reveal", 3, small_tensors()));  // 2.bin, intact
  }
  const auto tensor_dir = trace_tensor_dir(path);
  {
    std::fstream f(tensor_dir / "0.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
  }
  fs::remove(tensor_dir / "1.bin");
  auto text = read_text(path);
  text += "{not json\n";
  text +=
      R"({"t":1,"dir":"sideways","from":"a","to":"b","type":"x","jurisdiction":"","round":0,"fields":{},"tensors":null})"
      "\n";
  text += R"({"t":1,"dir":"in","from":"a","to":"b","type":"x","jurisdiction":"","round":0,"fields":{},)"
          R"("tensors":{"file":"../escape.bin","blake2b":"00","layout":[]}})"
          "\n";
  text +=
      R"({"t":2,"dir":"in","from":"a","to":"b","type":"ok","jurisdiction":"","round":9,"fields":{"f":1.5},"tensors":null})"
      "\n";
  write_text(path, text);

  input_report report;
  auto entries = read_message_trace(path, report);
  INFO(report.summary());
  CHECK(report.count("tensor_hash_mismatch") == 1);
  CHECK(report.count("missing_tensors") == 1);
  CHECK(report.count("corrupt_json") == 1);
  CHECK(report.count("bad_trace_entry") == 2);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].message.round == 3);
  CHECK(entries[1].message.type == "ok");
  CHECK(entries[1].message.fields.at("f").as_float() == 1.5);

  input_report missing;
  CHECK(read_message_trace(dir.path / "nope.jsonl", missing).empty());
  CHECK(missing.count("missing_file") == 1);
}

TEST_CASE("a tensor file whose hash matches but whose layout differs is reported", "[message_trace]") {
  test::temp_dir dir("atn_trace");
  const auto path = dir.path / "t.jsonl";
  { message_trace_writer(path).record(trace_direction::in, "b", message("reveal", 1, small_tensors())); }
  auto text = read_text(path);
  const auto at = text.find(R"("shape":[2,3])");
  REQUIRE(at != std::string::npos);
  text.replace(at, 13, R"("shape":[3,2])");
  write_text(path, text);
  input_report report;
  CHECK(read_message_trace(path, report).empty());
  CHECK(report.count("bad_tensors") == 1);
}

TEST_CASE("a new trace at the same path starts over", "[message_trace]") {
  test::temp_dir dir("atn_trace");
  const auto path = dir.path / "t.jsonl";
  { message_trace_writer(path).record(trace_direction::in, "b", message("reveal", 1, small_tensors())); }
  { message_trace_writer(path).record(trace_direction::in, "b", message("vote", 2)); }
  CHECK_FALSE(fs::exists(trace_tensor_dir(path) / "0.bin"));
  input_report report;
  auto entries = read_message_trace(path, report);
  CHECK(report.total() == 0);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].message.type == "vote");
}

}  // namespace atn
