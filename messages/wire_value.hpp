// A message field as it crosses the wire: nil, bool, int, float, string, bytes, array or map
// (the msgpack types the codec accepts under a message's `f`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace atn {

/// One field value of a wire message. Maps are keyed by strings and kept sorted, so a value
/// encodes to the same bytes on every node.
class wire_value {
 public:
  using nil = std::monostate;
  using bytes = std::vector<std::uint8_t>;
  using array = std::vector<wire_value>;
  using map = std::map<std::string, wire_value>;
  using storage = std::variant<nil, bool, std::int64_t, double, std::string, bytes, array, map>;

  /// Nil.
  wire_value() = default;
  wire_value(std::nullptr_t) {}
  wire_value(bool v) : data_(v) {}
  /// Any integer that fits in int64 (an unsigned one above INT64_MAX throws std::out_of_range).
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  wire_value(T v) : data_(to_int64(v)) {}
  wire_value(double v) : data_(v) {}
  wire_value(float v) : data_(static_cast<double>(v)) {}
  wire_value(const char* v) : data_(std::string(v)) {}
  wire_value(std::string v) : data_(std::move(v)) {}
  wire_value(bytes v) : data_(std::move(v)) {}
  wire_value(array v) : data_(std::move(v)) {}
  wire_value(map v) : data_(std::move(v)) {}

  bool is_nil() const { return std::holds_alternative<nil>(data_); }
  bool is_bool() const { return std::holds_alternative<bool>(data_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(data_); }
  bool is_float() const { return std::holds_alternative<double>(data_); }
  bool is_string() const { return std::holds_alternative<std::string>(data_); }
  bool is_bytes() const { return std::holds_alternative<bytes>(data_); }
  bool is_array() const { return std::holds_alternative<array>(data_); }
  bool is_map() const { return std::holds_alternative<map>(data_); }

  /// The value as the given type; std::bad_variant_access when it holds another.
  bool as_bool() const { return std::get<bool>(data_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const bytes& as_bytes() const { return std::get<bytes>(data_); }
  const array& as_array() const { return std::get<array>(data_); }
  const map& as_map() const { return std::get<map>(data_); }

  /// A number as double: an int or a float (std::bad_variant_access otherwise).
  double as_number() const;

  /// The entry `key` of a map value, or nullptr when absent or when this is not a map.
  const wire_value* find(const std::string& key) const;

  const storage& data() const { return data_; }
  storage& data() { return data_; }

  /// "nil", "bool", "int", "float", "string", "bytes", "array" or "map".
  const char* type_name() const;

  friend bool operator==(const wire_value& a, const wire_value& b) { return a.data_ == b.data_; }
  friend bool operator!=(const wire_value& a, const wire_value& b) { return !(a == b); }

 private:
  template <class T>
  static std::int64_t to_int64(T v) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (v > static_cast<T>(std::numeric_limits<std::int64_t>::max()))
        throw std::out_of_range("wire_value: unsigned integer above INT64_MAX");
    }
    return static_cast<std::int64_t>(v);
  }

  storage data_;
};

/// A message's own fields: name → value.
using wire_fields = wire_value::map;

}  // namespace atn
