#include "messages/wire_codec.hpp"

#include <catch2/catch.hpp>
#include <msgpack.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace atn;

namespace {

named_tensor random_tensor(std::string name, std::vector<std::int64_t> shape, std::uint32_t seed) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  auto data = std::make_shared<std::vector<float>>(static_cast<std::size_t>(n));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  for (auto& v : *data) v = normal(rng);
  return {std::move(name), std::move(shape), std::move(data)};
}

wire_fields every_field_type() {
  wire_fields f;
  f["nil"] = wire_value();
  f["yes"] = true;
  f["no"] = false;
  f["zero"] = 0;
  f["small"] = -7;
  f["min"] = std::numeric_limits<std::int64_t>::min();
  f["max"] = std::numeric_limits<std::int64_t>::max();
  f["pi"] = 3.141592653589793;
  f["two"] = 2.0;  // an integral float stays a float
  f["negative_zero"] = -0.0;
  f["tiny"] = 1e-300;
  f["inf"] = std::numeric_limits<double>::infinity();
  f["empty_string"] = "";
  f["text"] = std::string("grüße, 世界\n");
  f["salt"] = wire_value::bytes{0, 1, 2, 255, 0, 128};
  f["no_bytes"] = wire_value::bytes{};
  f["list"] = wire_value::array{1, "two", 3.5, wire_value(), wire_value::array{true, wire_value::map{{"k", 1}}}};
  f["nested"] = wire_value::map{{"a", wire_value::map{{"b", wire_value::array{}}}}, {"c", wire_value::map{}}};
  return f;
}

wire_message sample_message() {
  wire_message m;
  m.type = "reveal";
  m.from = "node-a";
  m.jurisdiction = "eu-west";
  m.round = 42;
  m.fields = every_field_type();
  m.tensors.push_back(random_tensor("a.scalar", {}, 1));
  m.tensors.push_back(random_tensor("b.empty", {0, 5}, 2));
  m.tensors.push_back(random_tensor("c.big", {1100, 1000}, 3));    // 4.4 MB: two frames
  m.tensors.push_back(random_tensor("d.exact", {1024, 1024}, 4));  // exactly 4 MiB: one frame
  m.tensors.push_back(random_tensor("e.small", {3, 4}, 5));
  return m;
}

wire_message small_message() {
  wire_message m;
  m.type = "reveal";
  m.from = "node-a";
  m.jurisdiction = "eu";
  m.round = 3;
  m.fields["salt"] = wire_value::bytes(32, 7);
  m.tensors.push_back(random_tensor("enc.bias", {4}, 1));
  m.tensors.push_back(random_tensor("enc.weight", {3, 4}, 2));
  return m;
}

// ---- hand-built frames, to forge what encode never would -------------------------------------

using packer = msgpack::packer<msgpack::sbuffer>;

// msgpack-c's pack_double writes 3.0 as the int 3; forged headers need a real float64.
void pack_float64(msgpack::sbuffer& buf, double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  char bytes[9];
  bytes[0] = static_cast<char>(0xcb);
  for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
  buf.write(bytes, sizeof bytes);
}

void pack(msgpack::sbuffer& buf, const wire_value& v) {
  packer pk(buf);
  if (v.is_nil())
    pk.pack_nil();
  else if (v.is_bool())
    v.as_bool() ? pk.pack_true() : pk.pack_false();
  else if (v.is_int())
    pk.pack_int64(v.as_int());
  else if (v.is_float())
    pack_float64(buf, v.as_float());
  else if (v.is_string())
    pk.pack(v.as_string());
  else if (v.is_bytes()) {
    pk.pack_bin(static_cast<std::uint32_t>(v.as_bytes().size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(v.as_bytes().data()),
                     static_cast<std::uint32_t>(v.as_bytes().size()));
  } else if (v.is_array()) {
    pk.pack_array(static_cast<std::uint32_t>(v.as_array().size()));
    for (const auto& e : v.as_array()) pack(buf, e);
  } else {
    pk.pack_map(static_cast<std::uint32_t>(v.as_map().size()));
    for (const auto& [k, e] : v.as_map()) {
      pk.pack(k);
      pack(buf, e);
    }
  }
}

std::string packed(const wire_value& v) {
  msgpack::sbuffer buf;
  pack(buf, v);
  return std::string(buf.data(), buf.size());
}

wire_value descriptor(const std::string& name, wire_value::array shape, std::int64_t bytes, std::int64_t frames) {
  return wire_value::map{
      {"name", name}, {"dtype", "float32"}, {"shape", std::move(shape)}, {"bytes", bytes}, {"frames", frames}};
}

// A valid header of small_message's layout: enc.bias [4] and enc.weight [3,4].
wire_value::map header() {
  return {{"v", 1},
          {"type", "reveal"},
          {"from", "node-a"},
          {"jurisdiction", "eu"},
          {"round", 3},
          {"f", wire_value::map{{"k", 1}}},
          {"t", wire_value::array{descriptor("enc.bias", {4}, 16, 1), descriptor("enc.weight", {3, 4}, 48, 1)}}};
}

std::vector<zmq::message_t> frames_of(const std::string& head, const std::vector<std::size_t>& raw_sizes) {
  std::vector<zmq::message_t> frames;
  frames.emplace_back(head.data(), head.size());
  for (auto size : raw_sizes) {
    std::vector<char> bytes(size, 0);
    frames.emplace_back(bytes.data(), bytes.size());
  }
  return frames;
}

std::vector<zmq::message_t> frames_of(const wire_value::map& head,
                                      const std::vector<std::size_t>& raw_sizes = {16, 48}) {
  return frames_of(packed(head), raw_sizes);
}

wire_decode_result decode_with(std::vector<zmq::message_t> frames, const wire_limits& limits = {}) {
  return decode(std::move(frames), limits);
}

void check_reject(const wire_decode_result& r, wire_reject reason, const std::string& sender = "node-a") {
  INFO(r.error.to_string());
  REQUIRE_FALSE(r);
  CHECK(r.error.reason == reason);
  CHECK(r.error.sender == sender);
  CHECK_FALSE(r.error.detail.empty());
  CHECK_THAT(r.error.to_string(), Catch::Contains(to_string(reason)));
}

std::vector<std::string> copy_frames(const std::vector<zmq::message_t>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.emplace_back(static_cast<const char*>(f.data()), f.size());
  return out;
}

std::vector<zmq::message_t> to_frames(const std::vector<std::string>& bytes) {
  std::vector<zmq::message_t> out;
  for (const auto& b : bytes) out.emplace_back(b.data(), b.size());
  return out;
}

}  // namespace

TEST_CASE("wire codec round-trips every field type and tensor shape", "[wire]") {
  const wire_message m = sample_message();
  auto frames = encode(m);
  // Frame 0, one for the scalar, none for the empty tensor, two for 4.4 MB, one for 4 MiB, one small.
  REQUIRE(frames.size() == 6);
  CHECK(frames[2].size() == wire_max_frame_bytes);
  CHECK(frames[3].size() == 1100 * 1000 * 4 - wire_max_frame_bytes);
  CHECK(frames[4].size() == wire_max_frame_bytes);
  for (std::size_t i = 1; i < frames.size(); ++i) CHECK(frames[i].size() <= wire_max_frame_bytes);

  auto r = decode(std::move(frames), wire_limits{});
  INFO(r.error.to_string());
  REQUIRE(r);
  const wire_message& d = *r.message;
  CHECK(d.type == m.type);
  CHECK(d.from == m.from);
  CHECK(d.jurisdiction == m.jurisdiction);
  CHECK(d.round == m.round);
  CHECK(d.fields == m.fields);
  CHECK(d.fields.at("salt").as_bytes() == wire_value::bytes{0, 1, 2, 255, 0, 128});
  CHECK(d.fields.at("min").as_int() == std::numeric_limits<std::int64_t>::min());
  CHECK(d.fields.at("two").is_float());
  CHECK(std::signbit(d.fields.at("negative_zero").as_float()));
  CHECK(d.fields.at("list").as_array()[4].as_array()[1].find("k")->as_int() == 1);
  REQUIRE(d.tensors.size() == m.tensors.size());
  for (std::size_t i = 0; i < m.tensors.size(); ++i) {
    CHECK(d.tensors[i].name == m.tensors[i].name);
    CHECK(d.tensors[i].shape == m.tensors[i].shape);
    CHECK(d.tensors[i].data != m.tensors[i].data);  // decoded into its own buffer
  }
  CHECK(d.tensors[0].shape.empty());
  CHECK(d.tensors[0].data->size() == 1);
  CHECK(d.tensors[1].data->empty());
  CHECK(to_hex(blake2b_256(d.tensors)) == to_hex(blake2b_256(m.tensors)));
  CHECK(r.bytes > 2 * wire_max_frame_bytes);
}

TEST_CASE("wire codec round-trips NaN fields and a message without fields or tensors", "[wire]") {
  wire_message m;
  m.type = "ping";
  m.from = "n";
  m.round = -1;
  m.fields["nan"] = std::nan("");
  auto r = decode(encode(m), wire_limits{});
  REQUIRE(r);
  CHECK(std::isnan(r.message->fields.at("nan").as_float()));
  CHECK(r.message->round == -1);
  CHECK(r.message->jurisdiction.empty());
  CHECK(r.message->tensors.empty());
}

TEST_CASE("wire encode shares tensor buffers instead of copying them", "[wire]") {
  const wire_message m = sample_message();
  const auto& big = m.tensors[2].data;
  REQUIRE(big.use_count() == 1);
  {
    auto frames = encode(m);
    CHECK(frames[2].data() == static_cast<const void*>(big->data()));
    CHECK(frames[3].data() ==
          static_cast<const void*>(reinterpret_cast<const char*>(big->data()) + wire_max_frame_bytes));
    CHECK(big.use_count() == 3);  // one reference per frame
  }
  CHECK(big.use_count() == 1);  // released with the frames
}

TEST_CASE("wire encode refuses messages it cannot represent", "[wire]") {
  auto m = small_message();
  SECTION("empty type") {
    m.type.clear();
    CHECK_THROWS_AS(encode(m), std::invalid_argument);
  }
  SECTION("empty sender") {
    m.from.clear();
    CHECK_THROWS_AS(encode(m), std::invalid_argument);
  }
  SECTION("tensors out of order") {
    std::swap(m.tensors[0], m.tensors[1]);
    CHECK_THROWS_AS(encode(m), std::invalid_argument);
  }
  SECTION("data not matching the shape") {
    m.tensors[1].shape = {4, 4};
    CHECK_THROWS_AS(encode(m), std::invalid_argument);
  }
  CHECK_THROWS_AS(wire_value(std::numeric_limits<std::uint64_t>::max()), std::out_of_range);
}

TEST_CASE("wire decode accepts the hand-built reference header", "[wire]") {
  auto r = decode_with(frames_of(header()));
  INFO(r.error.to_string());
  REQUIRE(r);
  CHECK(r.message->tensors.size() == 2);
  CHECK(r.message->fields.at("k").as_int() == 1);
}

TEST_CASE("wire decode rejects broken envelopes", "[wire]") {
  SECTION("no frames") { check_reject(decode_with({}), wire_reject::empty, ""); }
  SECTION("frame 0 is an array") {
    check_reject(decode_with(frames_of(packed(wire_value::array{1, 2}), {})), wire_reject::not_a_map, "");
  }
  SECTION("frame 0 is a string") {
    check_reject(decode_with(frames_of(packed(wire_value("node-a")), {})), wire_reject::not_a_map, "");
  }
  SECTION("frame 0 is empty") { check_reject(decode_with(frames_of(std::string(), {})), wire_reject::malformed, ""); }
  SECTION("frame 0 is not msgpack") {
    check_reject(decode_with(frames_of(std::string("\xc1\x00", 2), {})), wire_reject::malformed, "");
  }
  SECTION("frame 0 is truncated") {
    const std::string head = packed(header());
    check_reject(decode_with(frames_of(head.substr(0, head.size() - 3), {16, 48})), wire_reject::malformed, "");
  }
  SECTION("bytes after the map") {
    check_reject(decode_with(frames_of(packed(header()) + "x", {16, 48})), wire_reject::malformed, "");
  }
  SECTION("nesting too deep") {
    auto h = header();
    wire_value deep = 1;
    for (int i = 0; i < 40; ++i) deep = wire_value::array{deep};
    h["f"] = wire_value::map{{"deep", deep}};
    check_reject(decode_with(frames_of(h)), wire_reject::malformed, "");
  }
  SECTION("a forged huge array length") {
    // An array claiming 2^32-1 elements in a 5-byte frame.
    check_reject(decode_with(frames_of(std::string("\xdd\xff\xff\xff\xff", 5), {})), wire_reject::malformed, "");
  }
}

TEST_CASE("wire decode rejects bad versions, types and header fields", "[wire]") {
  auto h = header();
  SECTION("missing version") {
    h.erase("v");
    check_reject(decode_with(frames_of(h)), wire_reject::bad_version);
  }
  SECTION("version as a string") {
    h["v"] = "1";
    check_reject(decode_with(frames_of(h)), wire_reject::bad_version);
  }
  SECTION("newer version") {
    h["v"] = 2;
    auto r = decode_with(frames_of(h));
    check_reject(r, wire_reject::bad_version);
    CHECK_THAT(r.error.to_string(), Catch::Contains("'node-a'") && Catch::Contains("version 2"));
  }
  SECTION("type not on the allow-list") {
    wire_limits limits;
    limits.allowed_types = {"commit", "vote"};
    check_reject(decode_with(frames_of(h), limits), wire_reject::unknown_type);
    limits.allowed_types.push_back("reveal");
    CHECK(decode_with(frames_of(h), limits));
  }
  SECTION("a forged log line in 'from' and 'type' is escaped in the refusal (issue 18)") {
    // The attack: a newline and ANSI escapes in a peer's strings forge a line in the node's log.
    const std::string forged = "x\n[info] round 1 closed: 1 accepted, 0 rejected, model FORGED\x1b[0m";
    h["from"] = forged;
    h["v"] = 2;
    const auto version = decode_with(frames_of(h));
    check_reject(version, wire_reject::bad_version, forged);
    h["v"] = 1;
    h["type"] = forged;
    wire_limits limits;
    limits.allowed_types = {"commit"};
    const auto type = decode_with(frames_of(h), limits);
    check_reject(type, wire_reject::unknown_type, forged);
    for (const auto* r : {&version, &type}) {
      const std::string line = r->error.to_string();
      CHECK(line.find('\n') == std::string::npos);
      CHECK(line.find('\x1b') == std::string::npos);
      CHECK_THAT(line, Catch::Contains("x\\n[info] round 1 closed") && Catch::Contains("\\x1b[0m"));
    }
  }
  for (const char* key : {"type", "from", "jurisdiction", "round", "f", "t"}) {
    DYNAMIC_SECTION("missing " << key) {
      h.erase(key);
      check_reject(decode_with(frames_of(h)), wire_reject::bad_header, std::string(key) == "from" ? "" : "node-a");
    }
  }
  SECTION("type is an int") {
    h["type"] = 5;
    check_reject(decode_with(frames_of(h)), wire_reject::bad_header);
  }
  SECTION("empty type") {
    h["type"] = "";
    check_reject(decode_with(frames_of(h)), wire_reject::bad_header);
  }
  SECTION("sender is an int: unknown sender") {
    h["from"] = 7;
    check_reject(decode_with(frames_of(h)), wire_reject::bad_header, "");
  }
  SECTION("round is a float") {
    h["round"] = 3.0;
    check_reject(decode_with(frames_of(h)), wire_reject::bad_header);
  }
  SECTION("jurisdiction is nil") {
    h["jurisdiction"] = wire_value();
    check_reject(decode_with(frames_of(h)), wire_reject::bad_header);
  }
  SECTION("fields are an array") {
    h["f"] = wire_value::array{};
    check_reject(decode_with(frames_of(h)), wire_reject::bad_header);
  }
  SECTION("tensors are a map") {
    h["t"] = wire_value::map{};
    check_reject(decode_with(frames_of(h), {}), wire_reject::bad_header);
  }
  SECTION("an unknown header key") {
    h["extra"] = 1;
    check_reject(decode_with(frames_of(h)), wire_reject::bad_header);
  }
  SECTION("a field above INT64_MAX") {
    msgpack::sbuffer buf;
    packer pk(buf);
    h.erase("f");
    pk.pack_map(static_cast<std::uint32_t>(h.size() + 1));
    for (const auto& [k, v] : h) {
      pk.pack(k);
      pack(buf, v);
    }
    pk.pack(std::string("f"));
    pk.pack_map(1);
    pk.pack(std::string("big"));
    pk.pack_uint64(std::numeric_limits<std::uint64_t>::max());
    check_reject(decode_with(frames_of(std::string(buf.data(), buf.size()), {16, 48})), wire_reject::bad_header);
  }
  SECTION("raw header edits: duplicate keys, non-string keys, ext values") {
    // Re-pack the header with one extra entry appended to `f`, written by hand.
    const auto with_f_entry = [&](auto write_entry) {
      msgpack::sbuffer buf;
      packer pk(buf);
      auto rest = h;
      rest.erase("f");
      pk.pack_map(static_cast<std::uint32_t>(rest.size() + 1));
      for (const auto& [k, v] : rest) {
        pk.pack(k);
        pack(buf, v);
      }
      pk.pack(std::string("f"));
      pk.pack_map(2);
      pk.pack(std::string("k"));
      pk.pack(1);
      write_entry(pk);
      return frames_of(std::string(buf.data(), buf.size()), {16, 48});
    };
    check_reject(decode_with(with_f_entry([](packer& pk) {
                   pk.pack(std::string("k"));
                   pk.pack(2);
                 })),
                 wire_reject::bad_header);
    check_reject(decode_with(with_f_entry([](packer& pk) {
                   pk.pack(17);
                   pk.pack(2);
                 })),
                 wire_reject::bad_header);
    check_reject(decode_with(with_f_entry([](packer& pk) {
                   pk.pack(std::string("x"));
                   pk.pack_ext(2, 1);
                   pk.pack_ext_body("ab", 2);
                 })),
                 wire_reject::bad_header);
    // A duplicate top-level key.
    msgpack::sbuffer buf;
    packer pk(buf);
    pk.pack_map(static_cast<std::uint32_t>(h.size() + 1));
    for (const auto& [k, v] : h) {
      pk.pack(k);
      pack(buf, v);
    }
    pk.pack(std::string("round"));
    pk.pack(4);
    check_reject(decode_with(frames_of(std::string(buf.data(), buf.size()), {16, 48})), wire_reject::bad_header);
  }
}

TEST_CASE("wire decode enforces frame and size limits", "[wire]") {
  SECTION("too many frames") {
    wire_limits limits;
    limits.max_frames = 2;
    check_reject(decode_with(frames_of(header()), limits), wire_reject::too_many_frames);
  }
  SECTION("message over the byte limit") {
    wire_limits limits;
    limits.max_message_bytes = 64;
    check_reject(decode_with(frames_of(header()), limits), wire_reject::too_large);
  }
  SECTION("frame 0 over the header limit") {
    wire_limits limits;
    limits.max_header_bytes = 16;
    check_reject(decode_with(frames_of(header()), limits), wire_reject::too_large, "");
  }
}

TEST_CASE("wire decode rejects bad tensor descriptors", "[wire]") {
  auto h = header();
  auto with_t = [&](wire_value::array t, std::vector<std::size_t> raw = {16, 48}) {
    h["t"] = std::move(t);
    return decode_with(frames_of(h, raw));
  };
  const auto bias = descriptor("enc.bias", {4}, 16, 1);
  const auto weight = descriptor("enc.weight", {3, 4}, 48, 1);

  SECTION("descriptor not a map") { check_reject(with_t({bias, "enc.weight"}), wire_reject::bad_descriptor); }
  SECTION("descriptor lacks a key") {
    auto d = weight.as_map();
    d.erase("frames");
    check_reject(with_t({bias, d}), wire_reject::bad_descriptor);
  }
  SECTION("descriptor has an extra key") {
    auto d = weight.as_map();
    d["scale"] = 1.0;
    check_reject(with_t({bias, d}), wire_reject::bad_descriptor);
  }
  SECTION("negative byte count") {
    auto d = weight.as_map();
    d["bytes"] = -48;
    check_reject(with_t({bias, d}), wire_reject::bad_descriptor);
  }
  SECTION("bad dtype") {
    auto d = weight.as_map();
    d["dtype"] = "float16";
    check_reject(with_t({bias, d}, {16, 24}), wire_reject::bad_dtype);
  }
  SECTION("negative dimension") {
    check_reject(with_t({bias, descriptor("enc.weight", {-3, 4}, 48, 1)}), wire_reject::bad_shape);
  }
  SECTION("overflowing shape") {
    check_reject(with_t({bias, descriptor("enc.weight", {std::int64_t{1} << 40, std::int64_t{1} << 40}, 48, 1)}),
                 wire_reject::bad_shape);
  }
  SECTION("float dimension") {
    check_reject(with_t({bias, descriptor("enc.weight", {3.0, 4}, 48, 1)}), wire_reject::bad_shape);
  }
  SECTION("rank over 32") {
    check_reject(with_t({bias, descriptor("enc.weight", wire_value::array(33, 1), 4, 1)}, {16, 4}),
                 wire_reject::bad_shape);
  }
  SECTION("a zero dimension makes an empty tensor, however large the rest") {
    auto r = with_t({bias, descriptor("enc.weight", {0, std::int64_t{1} << 62, 1 << 20}, 0, 0)}, {16});
    INFO(r.error.to_string());
    REQUIRE(r);
    CHECK(r.message->tensors[1].data->empty());
  }
  SECTION("byte count not matching the shape") {
    check_reject(with_t({bias, descriptor("enc.weight", {3, 4}, 44, 1)}, {16, 44}), wire_reject::frame_mismatch);
  }
  SECTION("frame count not matching the bytes") {
    check_reject(with_t({bias, descriptor("enc.weight", {3, 4}, 48, 2)}, {16, 24, 24}), wire_reject::frame_mismatch);
  }
  SECTION("a missing raw frame") { check_reject(with_t({bias, weight}, {16}), wire_reject::frame_mismatch); }
  SECTION("an extra raw frame") { check_reject(with_t({bias, weight}, {16, 48, 8}), wire_reject::frame_mismatch); }
  SECTION("a raw frame of the wrong size") {
    check_reject(with_t({bias, weight}, {16, 44}), wire_reject::frame_mismatch);
    check_reject(with_t({bias, weight}, {48, 16}), wire_reject::frame_mismatch);
  }
  SECTION("a large tensor split the wrong way") {
    // 5 MiB must arrive as 4 MiB + 1 MiB, not as 2.5 + 2.5.
    const std::int64_t n = 5 << 18;
    const std::size_t half = static_cast<std::size_t>(n) * 2;
    check_reject(with_t({bias, descriptor("enc.weight", {n}, n * 4, 2)}, {16, half, half}),
                 wire_reject::frame_mismatch);
  }
  SECTION("duplicate names") { check_reject(with_t({bias, bias}, {16, 16}), wire_reject::bad_names); }
  SECTION("names out of order") { check_reject(with_t({weight, bias}, {48, 16}), wire_reject::bad_names); }
  SECTION("empty name") { check_reject(with_t({descriptor("", {4}, 16, 1), weight}), wire_reject::bad_names); }
}

TEST_CASE("wire decode checks tensors against the expected model layout", "[wire]") {
  const auto m = small_message();
  wire_limits limits;
  limits.expected_layout = layout_of(m.tensors);
  CHECK(decode(encode(m), limits));

  wire_message no_tensors = m;
  no_tensors.tensors.clear();
  CHECK(decode(encode(no_tensors), limits));  // only messages that carry tensors are checked

  SECTION("a different shape") {
    auto other = m;
    other.tensors[1] = random_tensor("enc.weight", {4, 3}, 9);
    check_reject(decode(encode(other), limits), wire_reject::layout_mismatch);
  }
  SECTION("a different name") {
    auto other = m;
    other.tensors[1].name = "enc.weights";
    check_reject(decode(encode(other), limits), wire_reject::layout_mismatch);
  }
  SECTION("a missing tensor") {
    auto other = m;
    other.tensors.pop_back();
    check_reject(decode(encode(other), limits), wire_reject::layout_mismatch);
  }
}

TEST_CASE("wire stats count accepted and rejected messages by reason", "[wire]") {
  wire_stats stats;
  stats.record(decode(encode(small_message()), {}));
  auto h = header();
  h["v"] = 9;
  stats.record(decode_with(frames_of(h)));
  stats.record(decode_with({}));
  stats.record(decode_with({}));
  CHECK(stats.accepted == 1);
  CHECK(stats.accepted_bytes > 64);
  CHECK(stats.rejected_total() == 3);
  CHECK(stats.rejected_for(wire_reject::empty) == 2);
  CHECK(stats.rejected_for(wire_reject::bad_version) == 1);
  CHECK(stats.rejected_for(wire_reject::bad_shape) == 0);
  CHECK(stats.summary() == "accepted=1 rejected=3 (empty=2 bad_version=1)");
}

TEST_CASE("wire decode survives random corruption of frame 0", "[wire][fuzz]") {
  const auto original = copy_frames(encode(small_message()));
  std::mt19937 rng(20240611);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int accepted = 0, rejected = 0, iterations = 0;
  for (; iterations < 5000 && std::chrono::steady_clock::now() < deadline; ++iterations) {
    auto bytes = original;
    std::string& head = bytes[0];
    switch (rng() % 4) {
      case 0:  // truncate
        head.resize(rng() % head.size());
        break;
      case 1:  // flip a few bytes
        for (unsigned k = 0, n = 1 + rng() % 4; k < n; ++k) head[rng() % head.size()] = static_cast<char>(rng());
        break;
      case 2:  // insert random bytes
        head.insert(rng() % head.size(), std::string(1 + rng() % 8, static_cast<char>(rng())));
        break;
      default:  // drop or duplicate raw frames as well as a byte
        head[rng() % head.size()] ^= static_cast<char>(1u << (rng() % 8));
        if (rng() % 2)
          bytes.pop_back();
        else
          bytes.push_back(bytes.back());
        break;
    }
    wire_decode_result r;
    REQUIRE_NOTHROW(r = decode(to_frames(bytes), wire_limits{}));
    if (r) {
      ++accepted;
      for (const auto& t : r.message->tensors) REQUIRE(static_cast<std::int64_t>(t.data->size()) == t.numel());
    } else {
      ++rejected;
      REQUIRE_FALSE(r.error.detail.empty());
    }
  }
  INFO("accepted " << accepted << ", rejected " << rejected);
  CHECK(iterations >= 1000);
  CHECK(rejected > iterations / 2);
}

namespace {

// Sends `m` from a PUSH socket to a PULL socket at `endpoint` and decodes what arrives.
wire_decode_result push_pull(zmq::context_t& ctx, const std::string& bind, const wire_message& m,
                             const void** first_raw_frame = nullptr) {
  zmq::socket_t pull(ctx, zmq::socket_type::pull);
  pull.set(zmq::sockopt::linger, 0);
  pull.set(zmq::sockopt::rcvtimeo, 20000);
  pull.bind(bind);
  const std::string endpoint = pull.get(zmq::sockopt::last_endpoint);
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 2000);
  push.connect(endpoint);

  auto frames = encode(m);
  const std::size_t count = frames.size();
  REQUIRE(zmq::send_multipart(push, frames) == count);

  std::vector<zmq::message_t> received;
  REQUIRE(zmq::recv_multipart(pull, std::back_inserter(received)) == count);
  if (first_raw_frame != nullptr && received.size() > 1) *first_raw_frame = received[1].data();
  return decode(std::move(received), wire_limits{});
}

}  // namespace

TEST_CASE("wire messages cross a real tcp loopback and inproc", "[wire][zmq]") {
  zmq::context_t ctx(1);
  const wire_message m = sample_message();
  const auto want = to_hex(blake2b_256(m.tensors));

  SECTION("tcp://127.0.0.1 on an ephemeral port") {
    auto r = push_pull(ctx, "tcp://127.0.0.1:*", m);
    INFO(r.error.to_string());
    REQUIRE(r);
    CHECK(r.message->fields == m.fields);
    CHECK(to_hex(blake2b_256(r.message->tensors)) == want);
  }
  SECTION("inproc passes the tensor buffers themselves") {
    const void* first = nullptr;
    auto r = push_pull(ctx, "inproc://wire-test", m, &first);
    INFO(r.error.to_string());
    REQUIRE(r);
    CHECK(first == static_cast<const void*>(m.tensors[0].data->data()));  // zero copies until decode
    CHECK(to_hex(blake2b_256(r.message->tensors)) == want);
    CHECK(m.tensors[2].data.use_count() == 1);  // every frame released after decode
  }
}

TEST_CASE("keeping freed memory is supported on glibc", "[wire]") {
#if defined(__GLIBC__)
  CHECK(keep_freed_memory_for_transfers());
#else
  CHECK_FALSE(keep_freed_memory_for_transfers());
#endif
}
