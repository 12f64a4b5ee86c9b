#include "messages/wire_codec.hpp"

#include "data/log_escape.hpp"

#include <msgpack.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>

namespace atn {
namespace {

static_assert(sizeof(float) == 4, "float32 expected");

using packer = msgpack::packer<msgpack::sbuffer>;
using buffer_ref = std::shared_ptr<const std::vector<float>>;

constexpr std::size_t max_rank = 32;

// Frames a tensor of `bytes` bytes occupies.
std::uint64_t frames_for(std::uint64_t bytes) { return (bytes + wire_max_frame_bytes - 1) / wire_max_frame_bytes; }

// ---- encode -------------------------------------------------------------------------------------

void pack_str(packer& pk, const std::string& s) {
  if (s.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("wire: string of " + std::to_string(s.size()) + " bytes is too long");
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

// msgpack-c's pack_double writes integral values as ints (2.0 would arrive as 2, -0.0 as 0):
// write float64 by hand so a float stays a float.
void pack_float64(packer& pk, msgpack::sbuffer& out, double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  char buf[9];
  buf[0] = static_cast<char>(0xcb);
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
  out.write(buf, sizeof buf);
}

void pack_value(packer& pk, msgpack::sbuffer& out, const wire_value& v);

void pack_map(packer& pk, msgpack::sbuffer& out, const wire_value::map& m) {
  pk.pack_map(static_cast<std::uint32_t>(m.size()));
  for (const auto& [key, value] : m) {
    pack_str(pk, key);
    pack_value(pk, out, value);
  }
}

void pack_value(packer& pk, msgpack::sbuffer& out, const wire_value& v) {
  struct visitor {
    packer& pk;
    msgpack::sbuffer& out;
    void operator()(const wire_value::nil&) const { pk.pack_nil(); }
    void operator()(bool b) const { b ? pk.pack_true() : pk.pack_false(); }
    void operator()(std::int64_t i) const { pk.pack_int64(i); }
    void operator()(double d) const { pack_float64(pk, out, d); }
    void operator()(const std::string& s) const { pack_str(pk, s); }
    void operator()(const wire_value::bytes& b) const {
      if (b.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::invalid_argument("wire: bytes field of " + std::to_string(b.size()) + " bytes is too long");
      pk.pack_bin(static_cast<std::uint32_t>(b.size()));
      pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
    }
    void operator()(const wire_value::array& a) const {
      pk.pack_array(static_cast<std::uint32_t>(a.size()));
      for (const auto& e : a) pack_value(pk, out, e);
    }
    void operator()(const wire_value::map& m) const { pack_map(pk, out, m); }
  };
  std::visit(visitor{pk, out}, v.data());
}

void check_encodable(const wire_message& m) {
  if (m.type.empty()) throw std::invalid_argument("wire: message type is empty");
  if (m.from.empty()) throw std::invalid_argument("wire: sender of a '" + m.type + "' message is empty");
  for (std::size_t i = 0; i < m.tensors.size(); ++i) {
    const auto& t = m.tensors[i];
    if (t.name.empty()) throw std::invalid_argument("wire: a tensor has an empty name");
    if (i > 0 && !(m.tensors[i - 1].name < t.name))
      throw std::invalid_argument("wire: tensors not in canonical order at '" + t.name + "'");
    if (t.shape.size() > max_rank) throw std::invalid_argument("wire: tensor '" + t.name + "' has rank over 32");
    for (auto d : t.shape)
      if (d < 0) throw std::invalid_argument("wire: tensor '" + t.name + "' has a negative dimension");
    if (!t.data || static_cast<std::int64_t>(t.data->size()) != t.numel())
      throw std::invalid_argument("wire: tensor '" + t.name + "' has data that does not match its shape");
  }
}

void release_buffer(void* /*data*/, void* hint) { delete static_cast<buffer_ref*>(hint); }

// A frame over `size` bytes of `buffer`, holding a reference to it until ZeroMQ lets go.
zmq::message_t shared_frame(const buffer_ref& buffer, const std::uint8_t* data, std::size_t size) {
  auto hint = std::make_unique<buffer_ref>(buffer);
  // ZeroMQ never writes into an outgoing message, so dropping const is safe.
  zmq::message_t frame(const_cast<std::uint8_t*>(data), size, &release_buffer, hint.get());
  hint.release();  // owned by the frame now
  return frame;
}

// ---- decode -------------------------------------------------------------------------------------

// Thrown inside decode and turned into its result: bad input never escapes as an exception.
struct reject_exception {
  wire_reject reason;
  std::string detail;
};

[[noreturn]] void reject(wire_reject reason, std::string detail) { throw reject_exception{reason, std::move(detail)}; }

std::string as_string(const msgpack::object& o) { return std::string(o.via.str.ptr, o.via.str.size); }

bool is_int(const msgpack::object& o) {
  return o.type == msgpack::type::POSITIVE_INTEGER || o.type == msgpack::type::NEGATIVE_INTEGER;
}

// An int64, or nullopt when `o` is not an integer that fits.
std::optional<std::int64_t> to_int64(const msgpack::object& o) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) return o.via.i64;
  if (o.type == msgpack::type::POSITIVE_INTEGER &&
      o.via.u64 <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(o.via.u64);
  return std::nullopt;
}

const char* msgpack_type_name(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "bool";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
      return "int";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "float";
    case msgpack::type::STR:
      return "string";
    case msgpack::type::BIN:
      return "bin";
    case msgpack::type::ARRAY:
      return "array";
    case msgpack::type::MAP:
      return "map";
    case msgpack::type::EXT:
      return "ext";
  }
  return "unknown";
}

wire_value to_value(const msgpack::object& o, const std::string& path);

wire_value::map to_map(const msgpack::object& o, const std::string& path) {
  wire_value::map out;
  for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR)
      reject(wire_reject::bad_header, "field " + path + " has a " + msgpack_type_name(kv.key) + " key, not a string");
    std::string key = as_string(kv.key);
    const std::string sub = path.empty() ? "'" + key + "'" : path + "." + key;
    if (out.count(key)) reject(wire_reject::bad_header, "field " + sub + " appears twice");
    out.emplace(std::move(key), to_value(kv.val, sub));
  }
  return out;
}

wire_value to_value(const msgpack::object& o, const std::string& path) {
  switch (o.type) {
    case msgpack::type::NIL:
      return wire_value();
    case msgpack::type::BOOLEAN:
      return wire_value(o.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER: {
      auto i = to_int64(o);
      if (!i) reject(wire_reject::bad_header, "field " + path + " is an integer above INT64_MAX");
      return wire_value(*i);
    }
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return wire_value(o.via.f64);
    case msgpack::type::STR:
      return wire_value(as_string(o));
    case msgpack::type::BIN: {
      const auto* p = reinterpret_cast<const std::uint8_t*>(o.via.bin.ptr);
      return wire_value(wire_value::bytes(p, p + o.via.bin.size));
    }
    case msgpack::type::ARRAY: {
      wire_value::array out;
      out.reserve(o.via.array.size);
      for (std::uint32_t i = 0; i < o.via.array.size; ++i)
        out.push_back(to_value(o.via.array.ptr[i], path + "[" + std::to_string(i) + "]"));
      return wire_value(std::move(out));
    }
    case msgpack::type::MAP:
      return wire_value(to_map(o, path));
    default:
      break;
  }
  reject(wire_reject::bad_header, "field " + path + " has the unsupported msgpack type " + msgpack_type_name(o));
}

// The keys of a msgpack map, each at most once and all from `known`; nullptr for absent ones.
template <std::size_t N>
std::array<const msgpack::object*, N> split_map(const msgpack::object& map, const std::array<const char*, N>& known,
                                                wire_reject reason, const std::string& what) {
  std::array<const msgpack::object*, N> found{};
  for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR)
      reject(reason, what + " has a " + std::string(msgpack_type_name(kv.key)) + " key");
    const std::string key = as_string(kv.key);
    std::size_t k = 0;
    while (k < N && key != known[k]) ++k;
    if (k == N) reject(reason, what + " has the unknown key '" + key + "'");
    if (found[k] != nullptr) reject(reason, what + " has the key '" + key + "' twice");
    found[k] = &kv.val;
  }
  return found;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// One tensor as its descriptor declares it.
struct tensor_descriptor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t numel = 0;
  std::uint64_t bytes = 0;
  std::uint64_t frames = 0;
};

tensor_descriptor read_descriptor(const msgpack::object& o, std::size_t index) {
  const std::string what = "tensor descriptor " + std::to_string(index);
  if (o.type != msgpack::type::MAP)
    reject(wire_reject::bad_descriptor, what + " is a " + msgpack_type_name(o) + ", not a map");
  static const std::array<const char*, 5> keys = {"name", "dtype", "shape", "bytes", "frames"};
  const auto f = split_map(o, keys, wire_reject::bad_descriptor, what);
  for (std::size_t k = 0; k < keys.size(); ++k)
    if (f[k] == nullptr) reject(wire_reject::bad_descriptor, what + " lacks '" + keys[k] + "'");
  if (f[0]->type != msgpack::type::STR) reject(wire_reject::bad_descriptor, what + ": name is not a string");
  tensor_descriptor d;
  d.name = as_string(*f[0]);
  const std::string tensor = "tensor '" + d.name + "'";
  if (f[1]->type != msgpack::type::STR) reject(wire_reject::bad_descriptor, tensor + ": dtype is not a string");
  if (as_string(*f[1]) != "float32")
    reject(wire_reject::bad_dtype, tensor + " has dtype '" + as_string(*f[1]) + "', only float32 is supported");
  if (f[2]->type != msgpack::type::ARRAY) reject(wire_reject::bad_descriptor, tensor + ": shape is not an array");
  if (f[3]->type != msgpack::type::POSITIVE_INTEGER)
    reject(wire_reject::bad_descriptor, tensor + ": bytes is not a non-negative integer");
  if (f[4]->type != msgpack::type::POSITIVE_INTEGER)
    reject(wire_reject::bad_descriptor, tensor + ": frames is not a non-negative integer");

  const auto& dims = f[2]->via.array;
  if (dims.size > max_rank)
    reject(wire_reject::bad_shape, tensor + " has rank " + std::to_string(dims.size) + ", over 32");
  // Counted in uint64 against the largest byte count a message could carry: no overflow possible.
  constexpr std::uint64_t max_numel = std::numeric_limits<std::int64_t>::max() / sizeof(float);
  std::uint64_t numel = 1;
  for (std::uint32_t i = 0; i < dims.size; ++i) {
    const auto& dim = dims.ptr[i];
    if (!is_int(dim)) reject(wire_reject::bad_shape, tensor + " has a " + msgpack_type_name(dim) + " dimension");
    auto v = to_int64(dim);
    if (!v) reject(wire_reject::bad_shape, tensor + " has a dimension above INT64_MAX");
    if (*v < 0) reject(wire_reject::bad_shape, tensor + " has the negative dimension " + std::to_string(*v));
    d.shape.push_back(*v);
  }
  if (std::find(d.shape.begin(), d.shape.end(), 0) != d.shape.end()) {
    numel = 0;  // an empty tensor, however large its other dimensions
  } else {
    for (auto dim : d.shape) {
      const auto u = static_cast<std::uint64_t>(dim);
      if (numel > max_numel / u)
        reject(wire_reject::bad_shape, tensor + " shape " + shape_text(d.shape) + " overflows the element count");
      numel *= u;
    }
  }
  d.numel = static_cast<std::int64_t>(numel);
  d.bytes = f[3]->via.u64;
  d.frames = f[4]->via.u64;
  if (d.bytes != numel * sizeof(float))
    reject(wire_reject::frame_mismatch, tensor + " declares " + std::to_string(d.bytes) + " bytes but shape " +
                                            shape_text(d.shape) + " needs " + std::to_string(numel * sizeof(float)));
  if (d.frames != frames_for(d.bytes))
    reject(wire_reject::frame_mismatch, tensor + " declares " + std::to_string(d.frames) + " frames but " +
                                            std::to_string(d.bytes) + " bytes take " +
                                            std::to_string(frames_for(d.bytes)));
  return d;
}

// Appends `size` bytes of float32 to `out`: a plain range insert when aligned, else one memcpy.
void append_floats(std::vector<float>& out, const void* data, std::size_t size) {
  const std::size_t n = size / sizeof(float);
  if (reinterpret_cast<std::uintptr_t>(data) % alignof(float) == 0) {
    const auto* p = static_cast<const float*>(data);
    out.insert(out.end(), p, p + n);
  } else {
    const std::size_t old = out.size();
    out.resize(old + n);
    std::memcpy(out.data() + old, data, size);
  }
}

wire_message decode_frames(std::vector<zmq::message_t>& frames, const wire_limits& limits, std::string& sender) {
  if (frames.empty()) reject(wire_reject::empty, "no frames");
  const auto& head = frames[0];
  if (head.size() > limits.max_header_bytes)
    reject(wire_reject::too_large, "frame 0 has " + std::to_string(head.size()) + " bytes, over the limit of " +
                                       std::to_string(limits.max_header_bytes));

  // No container can hold more elements than frame 0 has bytes; that also bounds what the
  // parser allocates for a forged length.
  const std::size_t n = std::max<std::size_t>(head.size(), 1);
  const msgpack::unpack_limit unpack_limits(n, n, n, n, n, limits.max_depth);
  if (head.size() == 0) reject(wire_reject::malformed, "frame 0 is empty");
  msgpack::object_handle handle;
  std::size_t offset = 0;
  try {
    handle =
        msgpack::unpack(static_cast<const char*>(head.data()), head.size(), offset, nullptr, nullptr, unpack_limits);
  } catch (const msgpack::insufficient_bytes&) {
    reject(wire_reject::malformed, "frame 0 is truncated msgpack");
  } catch (const msgpack::depth_size_overflow&) {
    reject(wire_reject::malformed, "frame 0 nests deeper than " + std::to_string(limits.max_depth));
  } catch (const msgpack::size_overflow& e) {
    reject(wire_reject::malformed, std::string("frame 0 declares an oversized container (") + e.what() + ")");
  } catch (const msgpack::unpack_error& e) {
    reject(wire_reject::malformed, std::string("frame 0 is not valid msgpack (") + e.what() + ")");
  }
  if (offset != head.size())
    reject(wire_reject::malformed, std::to_string(head.size() - offset) + " bytes follow the msgpack value in frame 0");
  const msgpack::object& root = handle.get();
  if (root.type != msgpack::type::MAP)
    reject(wire_reject::not_a_map, std::string("frame 0 is a msgpack ") + msgpack_type_name(root) + ", not a map");

  // The sender first, so that every later error can name it.
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR && as_string(kv.key) == "from" && kv.val.type == msgpack::type::STR) {
      sender = as_string(kv.val);
      break;
    }
  }

  // The version before anything else: a newer peer should hear "version", not "unknown key".
  const msgpack::object* version = nullptr;
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR && as_string(kv.key) == "v") version = &kv.val;
  }
  if (version == nullptr) reject(wire_reject::bad_version, "no protocol version 'v'");
  const auto v = to_int64(*version);
  if (!v)
    reject(wire_reject::bad_version,
           std::string("protocol version is a ") + msgpack_type_name(*version) + ", not an int");
  if (*v != wire_protocol_version)
    reject(wire_reject::bad_version,
           "protocol version " + std::to_string(*v) + ", this node speaks " + std::to_string(wire_protocol_version));

  static const std::array<const char*, 7> keys = {"v", "type", "from", "jurisdiction", "round", "f", "t"};
  const auto h = split_map(root, keys, wire_reject::bad_header, "frame 0");
  for (std::size_t k = 1; k < keys.size(); ++k)
    if (h[k] == nullptr) reject(wire_reject::bad_header, std::string("frame 0 lacks '") + keys[k] + "'");
  const auto require = [](const msgpack::object* o, msgpack::type::object_type type, const char* key,
                          const char* what) {
    if (o->type != type)
      reject(wire_reject::bad_header, std::string("'") + key + "' is a " + msgpack_type_name(*o) + ", not " + what);
  };
  wire_message m;
  require(h[1], msgpack::type::STR, "type", "a string");
  m.type = as_string(*h[1]);
  if (m.type.empty()) reject(wire_reject::bad_header, "'type' is empty");
  require(h[2], msgpack::type::STR, "from", "a string");
  m.from = as_string(*h[2]);
  if (m.from.empty()) reject(wire_reject::bad_header, "'from' is empty");
  require(h[3], msgpack::type::STR, "jurisdiction", "a string");
  m.jurisdiction = as_string(*h[3]);
  const auto round = to_int64(*h[4]);
  if (!round)
    reject(wire_reject::bad_header, std::string("'round' is a ") + msgpack_type_name(*h[4]) + ", not an int64");
  m.round = *round;
  require(h[5], msgpack::type::MAP, "f", "a map");
  require(h[6], msgpack::type::ARRAY, "t", "an array");

  if (!limits.allowed_types.empty() &&
      std::find(limits.allowed_types.begin(), limits.allowed_types.end(), m.type) == limits.allowed_types.end())
    reject(wire_reject::unknown_type, "unknown message type '" + m.type + "'");
  if (frames.size() > limits.max_frames)
    reject(wire_reject::too_many_frames,
           std::to_string(frames.size()) + " frames, over the limit of " + std::to_string(limits.max_frames));
  std::uint64_t total = 0;
  for (const auto& frame : frames) total += frame.size();
  if (total > limits.max_message_bytes)
    reject(wire_reject::too_large,
           std::to_string(total) + " bytes, over the limit of " + std::to_string(limits.max_message_bytes));

  m.fields = to_map(*h[5], "");

  // Descriptors: each well formed, names strictly ascending, frames adding up.
  const auto& t = h[6]->via.array;
  std::vector<tensor_descriptor> descriptors;
  descriptors.reserve(t.size);
  std::uint64_t raw_frames = 0;
  for (std::uint32_t i = 0; i < t.size; ++i) {
    auto d = read_descriptor(t.ptr[i], i);
    if (d.name.empty()) reject(wire_reject::bad_names, "tensor descriptor " + std::to_string(i) + " has an empty name");
    if (!descriptors.empty()) {
      const auto& prev = descriptors.back().name;
      if (prev == d.name) reject(wire_reject::bad_names, "tensor '" + d.name + "' appears twice");
      if (d.name < prev)
        reject(wire_reject::bad_names, "tensor '" + d.name + "' comes after '" + prev + "': not canonical order");
    }
    raw_frames += d.frames;  // each ≤ 2^61: no overflow for any realistic count
    descriptors.push_back(std::move(d));
  }
  if (raw_frames + 1 != frames.size())
    reject(wire_reject::frame_mismatch, "descriptors need " + std::to_string(raw_frames) +
                                            " tensor frames, message has " + std::to_string(frames.size() - 1));
  std::size_t next = 1;
  for (const auto& d : descriptors) {
    std::uint64_t left = d.bytes;
    for (std::uint64_t k = 0; k < d.frames; ++k, ++next) {
      const std::uint64_t want = std::min<std::uint64_t>(left, wire_max_frame_bytes);
      if (frames[next].size() != want)
        reject(wire_reject::frame_mismatch, "tensor '" + d.name + "' frame " + std::to_string(k) + " has " +
                                                std::to_string(frames[next].size()) + " bytes, expected " +
                                                std::to_string(want));
      left -= want;
    }
  }

  if (limits.expected_layout && !descriptors.empty()) {
    const auto& want = *limits.expected_layout;
    if (want.size() != descriptors.size())
      reject(wire_reject::layout_mismatch,
             std::to_string(descriptors.size()) + " tensors, the model has " + std::to_string(want.size()));
    for (std::size_t i = 0; i < want.size(); ++i) {
      const auto& d = descriptors[i];
      if (d.name != want[i].name)
        reject(wire_reject::layout_mismatch,
               "tensor " + std::to_string(i) + " is '" + d.name + "', the model has '" + want[i].name + "'");
      if (d.shape != want[i].shape)
        reject(wire_reject::layout_mismatch, "tensor '" + d.name + "' has shape " + shape_text(d.shape) +
                                                 ", the model has " + shape_text(want[i].shape));
    }
  }

  // Everything checked: copy each tensor's bytes once into its own buffer.
  m.tensors.reserve(descriptors.size());
  next = 1;
  for (auto& d : descriptors) {
    auto data = std::make_shared<std::vector<float>>();
    data->reserve(static_cast<std::size_t>(d.numel));
    for (std::uint64_t k = 0; k < d.frames; ++k, ++next) {
      append_floats(*data, frames[next].data(), frames[next].size());
      frames[next].rebuild();  // hand the frame's memory back as soon as it is copied
    }
    m.tensors.push_back({std::move(d.name), std::move(d.shape), std::move(data)});
  }
  return m;
}

}  // namespace

const char* to_string(wire_reject reason) {
  static const char* const names[wire_reject_count] = {
      "empty",      "too_large",    "malformed",       "not_a_map",      "bad_version",
      "bad_header", "unknown_type", "too_many_frames", "bad_descriptor", "bad_dtype",
      "bad_shape",  "bad_names",    "frame_mismatch",  "layout_mismatch"};
  const auto i = static_cast<std::size_t>(reason);
  return i < wire_reject_count ? names[i] : "unknown";
}

std::vector<wire_tensor_layout> layout_of(const named_tensors& tensors) {
  std::vector<wire_tensor_layout> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) out.push_back({t.name, t.shape});
  return out;
}

std::string wire_error::to_string() const {
  // The sender and the detail echo the peer's bytes: escaped, so the line cannot be forged.
  return "wire message from " + (sender.empty() ? std::string("an unknown sender") : "'" + log_escape(sender) + "'") +
         " rejected (" + atn::to_string(reason) + "): " + log_escape(detail);
}

void wire_stats::record(const wire_decode_result& result) {
  if (result) {
    ++accepted;
    accepted_bytes += result.bytes;
  } else {
    ++rejected[static_cast<std::size_t>(result.error.reason)];
  }
}

std::uint64_t wire_stats::rejected_total() const {
  std::uint64_t n = 0;
  for (auto r : rejected) n += r;
  return n;
}

std::string wire_stats::summary() const {
  std::string s = "accepted=" + std::to_string(accepted) + " rejected=" + std::to_string(rejected_total());
  std::string reasons;
  for (std::size_t i = 0; i < wire_reject_count; ++i) {
    if (rejected[i] == 0) continue;
    reasons += (reasons.empty() ? "" : " ") + std::string(atn::to_string(static_cast<wire_reject>(i))) + "=" +
               std::to_string(rejected[i]);
  }
  return reasons.empty() ? s : s + " (" + reasons + ")";
}

std::vector<zmq::message_t> encode(const wire_message& message) {
  check_encodable(message);
  msgpack::sbuffer head;
  packer pk(head);
  pk.pack_map(7);
  pack_str(pk, "v");
  pk.pack_int64(wire_protocol_version);
  pack_str(pk, "type");
  pack_str(pk, message.type);
  pack_str(pk, "from");
  pack_str(pk, message.from);
  pack_str(pk, "jurisdiction");
  pack_str(pk, message.jurisdiction);
  pack_str(pk, "round");
  pk.pack_int64(message.round);
  pack_str(pk, "f");
  pack_map(pk, head, message.fields);
  pack_str(pk, "t");
  pk.pack_array(static_cast<std::uint32_t>(message.tensors.size()));
  std::size_t raw_frames = 0;
  for (const auto& t : message.tensors) {
    const std::uint64_t bytes = t.data->size() * sizeof(float);
    raw_frames += frames_for(bytes);
    pk.pack_map(5);
    pack_str(pk, "name");
    pack_str(pk, t.name);
    pack_str(pk, "dtype");
    pack_str(pk, "float32");
    pack_str(pk, "shape");
    pk.pack_array(static_cast<std::uint32_t>(t.shape.size()));
    for (auto d : t.shape) pk.pack_int64(d);
    pack_str(pk, "bytes");
    pk.pack_uint64(bytes);
    pack_str(pk, "frames");
    pk.pack_uint64(frames_for(bytes));
  }

  std::vector<zmq::message_t> frames;
  frames.reserve(1 + raw_frames);
  frames.emplace_back(head.data(), head.size());  // small: copied
  for (const auto& t : message.tensors) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(t.data->data());
    const std::size_t size = t.data->size() * sizeof(float);
    for (std::size_t at = 0; at < size; at += wire_max_frame_bytes)
      frames.push_back(shared_frame(t.data, bytes + at, std::min(wire_max_frame_bytes, size - at)));
  }
  return frames;
}

bool keep_freed_memory_for_transfers() {
#if defined(__GLIBC__)
  return mallopt(M_TRIM_THRESHOLD, 512 << 20) == 1 && mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
#else
  return false;
#endif
}

wire_decode_result decode(std::vector<zmq::message_t>&& frames, const wire_limits& limits) {
  wire_decode_result result;
  for (const auto& frame : frames) result.bytes += frame.size();
  try {
    result.message = decode_frames(frames, limits, result.error.sender);
  } catch (const reject_exception& e) {
    result.error.reason = e.reason;
    result.error.detail = e.detail;
  } catch (const std::bad_alloc&) {
    result.error.reason = wire_reject::too_large;
    result.error.detail = "out of memory while decoding";
  } catch (const std::exception& e) {
    result.error.reason = wire_reject::malformed;
    result.error.detail = e.what();
  }
  frames.clear();
  return result;
}

}  // namespace atn
