#include "runtime/storage/feed_record_codec.hpp"

#include "data/input_report.hpp"

#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace atn;

namespace {

interaction sample_interaction() {
  interaction in;
  in.key = "turn:conversations/a.jsonl:0123456789abcdef";
  in.session = "conversations/a.jsonl";
  in.agent = "agent-7";
  in.timestamp_ms = 1'700'000'000'123;
  in.lines = {"[user] héllo ✓", "", "[tool:search] {\"q\":1}"};
  return in;
}

frame_record sample_frame(int size) {
  frame_record f;
  f.key = "screen-0:1700000000123";
  f.source_id = "screen-0";
  f.window_title = "Editor — main.cpp";
  f.url = "https://example.org/x";
  f.timestamp_ms = 1'700'000'000'123;
  f.size = size;
  auto rgb = std::make_shared<std::vector<std::uint8_t>>(static_cast<std::size_t>(size) * size * 3);
  for (std::size_t i = 0; i < rgb->size(); ++i) (*rgb)[i] = static_cast<std::uint8_t>(i * 31 + 7);
  f.rgb = rgb;
  return f;
}

// A payload with the right header around an arbitrary msgpack body.
template <class Fn>
std::string with_body(char kind, Fn&& pack) {
  msgpack::sbuffer out;
  const char head[2] = {static_cast<char>(feed_record_version), kind};
  out.write(head, 2);
  msgpack::packer<msgpack::sbuffer> pk(out);
  pack(pk);
  return std::string(out.data(), out.size());
}

}  // namespace

TEST_CASE("feed record codec: interactions round trip", "[feed_record_codec]") {
  input_report report;
  const interaction in = sample_interaction();
  const std::string payload = encode_feed_record(in);
  CHECK(static_cast<std::uint8_t>(payload[0]) == feed_record_version);
  const auto out = decode_interaction(payload, report, "log", 1);
  REQUIRE(out);
  CHECK(out->key == in.key);
  CHECK(out->session == in.session);
  CHECK(out->agent == in.agent);
  CHECK(out->timestamp_ms == in.timestamp_ms);
  CHECK(out->lines == in.lines);

  interaction unknown;
  unknown.key = "exec:1";
  const auto back = decode_interaction(encode_feed_record(unknown), report, "log", 2);
  REQUIRE(back);
  CHECK(back->timestamp_ms == -1);
  CHECK(back->lines.empty());
  CHECK(decode_feed_key(payload, feed_record_kind::interaction, report, "log", 1) == in.key);
  CHECK(report.total() == 0);
}

TEST_CASE("feed record codec: frames round trip with and without pixels", "[feed_record_codec]") {
  input_report report;
  const frame_record in = sample_frame(16);
  const std::string payload = encode_feed_record(in);
  const auto out = decode_frame(payload, report, "log", 1);
  REQUIRE(out);
  CHECK(out->key == in.key);
  CHECK(out->source_id == in.source_id);
  CHECK(out->window_title == in.window_title);
  CHECK(out->url == in.url);
  CHECK(out->timestamp_ms == in.timestamp_ms);
  CHECK(out->size == 16);
  REQUIRE(out->rgb);
  CHECK(*out->rgb == *in.rgb);
  CHECK(decode_feed_key(payload, feed_record_kind::frame, report, "log", 1) == in.key);

  frame_record bare = sample_frame(0);
  bare.rgb.reset();
  const auto back = decode_frame(encode_feed_record(bare), report, "log", 2);
  REQUIRE(back);
  CHECK_FALSE(back->rgb);
  CHECK(report.total() == 0);

  frame_record wrong = sample_frame(4);
  wrong.size = 5;
  CHECK_THROWS_AS(encode_feed_record(wrong), std::invalid_argument);
}

TEST_CASE("feed record codec: bad payloads decode to nothing and are counted", "[feed_record_codec]") {
  input_report report;
  const std::string good = encode_feed_record(sample_interaction());
  std::uint64_t expected = 0;
  auto bad = [&](const std::string& payload) {
    CHECK_FALSE(decode_interaction(payload, report, "log", 9));
    CHECK(report.count("feed_bad_record") == ++expected);
  };

  SECTION("empty, wrong version, wrong kind, trailing bytes") {
    bad("");
    std::string other_version = good;
    other_version[0] = 2;
    bad(other_version);
    bad(encode_feed_record(sample_frame(2)));
    bad(good + "x");
    CHECK_FALSE(decode_frame(good, report, "log", 9));
    CHECK_FALSE(decode_feed_key(good, feed_record_kind::frame, report, "log", 9));
    CHECK(report.count("feed_bad_record") == expected + 2);
  }
  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); ++n) bad(good.substr(0, n));
  }
  SECTION("wrong field types and counts") {
    bad(with_body('T', [](auto& pk) {
      pk.pack_array(4);
      for (int i = 0; i < 4; ++i) pk.pack_int(1);
    }));
    bad(with_body('T', [](auto& pk) {
      pk.pack_array(5);
      pk.pack(std::string("k"));
      pk.pack(std::string("s"));
      pk.pack(std::string("a"));
      pk.pack(std::string("late"));
      pk.pack_array(0);
    }));
    bad(with_body('T', [](auto& pk) {
      pk.pack_array(5);
      pk.pack(std::string("k"));
      pk.pack(std::string("s"));
      pk.pack(std::string("a"));
      pk.pack_int64(1);
      pk.pack_array(1);
      pk.pack_int(3);
    }));
    // A length claiming far more than the payload holds must not be believed.
    bad(with_body('T', [](auto& pk) { pk.pack_array(0xfffffff0u); }));
  }
  SECTION("frame pixels of the wrong size") {
    const std::string frame = with_body('F', [](auto& pk) {
      pk.pack_array(7);
      for (int i = 0; i < 4; ++i) pk.pack(std::string("x"));
      pk.pack_int64(1);
      pk.pack_int64(4);
      pk.pack_bin(47);
      pk.pack_bin_body(std::string(47, 'p').data(), 47);
    });
    CHECK_FALSE(decode_frame(frame, report, "log", 3));
    CHECK_FALSE(decode_feed_key(frame, feed_record_kind::frame, report, "log", 3));
    CHECK(report.count("feed_bad_record") == 2);
  }
}
