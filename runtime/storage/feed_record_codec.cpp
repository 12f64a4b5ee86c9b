#include "runtime/storage/feed_record_codec.hpp"

#include "data/input_report.hpp"

#include <msgpack.hpp>

#include <limits>
#include <stdexcept>

namespace atn {
namespace {

using packer = msgpack::packer<msgpack::sbuffer>;

constexpr char kind_interaction = 'T';
constexpr char kind_frame = 'F';
constexpr std::size_t interaction_fields = 5;
constexpr std::size_t frame_fields = 7;
// Frames are resized for the model; anything larger is damage, not a picture.
constexpr std::int64_t max_frame_size = 8192;

void pack_str(packer& pk, const std::string& s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

msgpack::sbuffer start(char kind) {
  msgpack::sbuffer out;
  const char head[2] = {static_cast<char>(feed_record_version), kind};
  out.write(head, sizeof head);
  return out;
}

// Strings and bins stay in the payload: the object never outlives it.
bool reference_all(msgpack::type::object_type, std::size_t, void*) { return true; }

struct bad_record : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The msgpack array of a payload of `kind` with `fields` elements; throws bad_record.
msgpack::object_handle parse(std::string_view payload, char kind, std::size_t fields) {
  if (payload.size() < 3) throw bad_record("payload of " + std::to_string(payload.size()) + " bytes");
  if (static_cast<std::uint8_t>(payload[0]) != feed_record_version)
    throw bad_record("unknown version " + std::to_string(static_cast<std::uint8_t>(payload[0])));
  if (payload[1] != kind) throw bad_record(std::string("kind '") + payload[1] + "', expected '" + kind + "'");
  const char* body = payload.data() + 2;
  const std::size_t size = payload.size() - 2;
  // No claimed length may exceed the bytes present, so damage cannot make msgpack allocate wildly.
  const msgpack::unpack_limit limit(size, 0, size, size, 0, 3);
  std::size_t offset = 0;
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(body, size, offset, reference_all, nullptr, limit);
  } catch (const std::exception& e) {
    throw bad_record(std::string("msgpack: ") + e.what());
  }
  if (offset != size) throw bad_record("trailing bytes after the record");
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != fields)
    throw bad_record("not an array of " + std::to_string(fields) + " fields");
  return handle;
}

std::string as_string(const msgpack::object& o, const char* field) {
  if (o.type != msgpack::type::STR) throw bad_record(std::string(field) + " is not a string");
  return std::string(o.via.str.ptr, o.via.str.size);
}

std::int64_t as_int(const msgpack::object& o, const char* field) {
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw bad_record(std::string(field) + " is out of range");
    return static_cast<std::int64_t>(o.via.u64);
  }
  if (o.type == msgpack::type::NEGATIVE_INTEGER) return o.via.i64;
  throw bad_record(std::string(field) + " is not an integer");
}

interaction to_interaction(const msgpack::object& o) {
  const msgpack::object* f = o.via.array.ptr;
  interaction out;
  out.key = as_string(f[0], "key");
  out.session = as_string(f[1], "session");
  out.agent = as_string(f[2], "agent");
  out.timestamp_ms = as_int(f[3], "timestamp_ms");
  if (f[4].type != msgpack::type::ARRAY) throw bad_record("lines is not an array");
  out.lines.reserve(f[4].via.array.size);
  for (std::uint32_t i = 0; i < f[4].via.array.size; ++i) out.lines.push_back(as_string(f[4].via.array.ptr[i], "line"));
  return out;
}

// Checks a frame's fields; fills `out` (pixels only when `with_pixels`).
void to_frame(const msgpack::object& o, frame_record& out, bool with_pixels) {
  const msgpack::object* f = o.via.array.ptr;
  out.key = as_string(f[0], "key");
  out.source_id = as_string(f[1], "source_id");
  out.window_title = as_string(f[2], "window_title");
  out.url = as_string(f[3], "url");
  out.timestamp_ms = as_int(f[4], "timestamp_ms");
  const std::int64_t size = as_int(f[5], "size");
  if (size < 0 || size > max_frame_size) throw bad_record("frame size " + std::to_string(size));
  out.size = static_cast<int>(size);
  if (f[6].type == msgpack::type::NIL) return;
  if (f[6].type != msgpack::type::BIN) throw bad_record("rgb is neither bin nor nil");
  const auto expected = static_cast<std::uint64_t>(size) * static_cast<std::uint64_t>(size) * 3;
  if (f[6].via.bin.size != expected)
    throw bad_record("rgb has " + std::to_string(f[6].via.bin.size) + " bytes, expected " + std::to_string(expected));
  if (with_pixels) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(f[6].via.bin.ptr);
    out.rgb = std::make_shared<const std::vector<std::uint8_t>>(p, p + f[6].via.bin.size);
  }
}

void report_bad(input_report& report, std::string_view origin, std::uint64_t sequence, const std::exception& e) {
  report.problem("feed_bad_record", origin, 0, "record " + std::to_string(sequence) + ": " + e.what());
}

}  // namespace

std::string encode_feed_record(const interaction& record) {
  msgpack::sbuffer out = start(kind_interaction);
  packer pk(out);
  pk.pack_array(interaction_fields);
  pack_str(pk, record.key);
  pack_str(pk, record.session);
  pack_str(pk, record.agent);
  pk.pack_int64(record.timestamp_ms);
  pk.pack_array(static_cast<std::uint32_t>(record.lines.size()));
  for (const auto& line : record.lines) pack_str(pk, line);
  return std::string(out.data(), out.size());
}

std::string encode_feed_record(const frame_record& record) {
  if (record.rgb && record.rgb->size() != static_cast<std::size_t>(record.size) * record.size * 3)
    throw std::invalid_argument("frame " + record.key + ": rgb is not size*size*3 bytes");
  msgpack::sbuffer out = start(kind_frame);
  packer pk(out);
  pk.pack_array(frame_fields);
  pack_str(pk, record.key);
  pack_str(pk, record.source_id);
  pack_str(pk, record.window_title);
  pack_str(pk, record.url);
  pk.pack_int64(record.timestamp_ms);
  pk.pack_int64(record.size);
  if (record.rgb) {
    pk.pack_bin(static_cast<std::uint32_t>(record.rgb->size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(record.rgb->data()), static_cast<std::uint32_t>(record.rgb->size()));
  } else {
    pk.pack_nil();
  }
  return std::string(out.data(), out.size());
}

std::optional<interaction> decode_interaction(std::string_view payload, input_report& report, std::string_view origin,
                                              std::uint64_t sequence) {
  try {
    return to_interaction(parse(payload, kind_interaction, interaction_fields).get());
  } catch (const bad_record& e) {
    report_bad(report, origin, sequence, e);
    return std::nullopt;
  }
}

std::optional<frame_record> decode_frame(std::string_view payload, input_report& report, std::string_view origin,
                                         std::uint64_t sequence) {
  try {
    frame_record out;
    to_frame(parse(payload, kind_frame, frame_fields).get(), out, true);
    return out;
  } catch (const bad_record& e) {
    report_bad(report, origin, sequence, e);
    return std::nullopt;
  }
}

std::optional<std::string> decode_feed_key(std::string_view payload, feed_record_kind kind, input_report& report,
                                           std::string_view origin, std::uint64_t sequence) {
  try {
    if (kind == feed_record_kind::frame) {
      frame_record frame;
      to_frame(parse(payload, kind_frame, frame_fields).get(), frame, false);
      return std::move(frame.key);
    }
    return to_interaction(parse(payload, kind_interaction, interaction_fields).get()).key;
  } catch (const bad_record& e) {
    report_bad(report, origin, sequence, e);
    return std::nullopt;
  }
}

}  // namespace atn
